package seccomp

import (
	"bytes"
	"encoding/binary"
	"fmt"
)

// The helper mycontainer-seccomp answers a compile on its stdout with one
// reply, in this small length-checked form (native integers would do, but
// little-endian keeps the bytes the same to read in a dump):
//
//	replyMagic
//	u32 flags (SECCOMP_FILTER_FLAG_*)
//	u32 length of the program, then the program (struct sock_filter[])
//	u32 count of skipped syscall names, then for each: u32 length, name
//
// and nothing after. The runtime trusts the helper no more than a file:
// every length is checked against what is left, and a program that is not
// whole instructions is refused.
var replyMagic = []byte("mycontainer-seccomp-reply-1\n")

// maxReply bounds what the runtime reads: BPF_MAXINSNS instructions, and
// skipped names of a profile config.json could hold.
const maxReply = 16 << 20

// Reply is one compiled profile, as the helper sends it.
type Reply struct {
	Prog    []byte
	Flags   uint
	Skipped []string // syscall names the helper's libseccomp does not know
}

// EncodeReply is the helper's side.
func EncodeReply(r Reply) []byte {
	var b bytes.Buffer
	b.Write(replyMagic)
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(r.Flags)))
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(r.Prog))))
	b.Write(r.Prog)
	b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(r.Skipped))))
	for _, n := range r.Skipped {
		b.Write(binary.LittleEndian.AppendUint32(nil, uint32(len(n))))
		b.WriteString(n)
	}
	return b.Bytes()
}

// DecodeReply is the runtime's side.
func DecodeReply(b []byte) (Reply, error) {
	var r Reply
	if !bytes.HasPrefix(b, replyMagic) {
		return r, fmt.Errorf("reply does not start with %q", bytes.TrimSpace(replyMagic))
	}
	b = b[len(replyMagic):]
	u32 := func(what string) (uint32, error) {
		if len(b) < 4 {
			return 0, fmt.Errorf("reply cut short in %s", what)
		}
		v := binary.LittleEndian.Uint32(b)
		b = b[4:]
		return v, nil
	}
	take := func(n uint32, what string) ([]byte, error) {
		if uint64(n) > uint64(len(b)) {
			return nil, fmt.Errorf("reply: %s of %d bytes, only %d left", what, n, len(b))
		}
		v := b[:n]
		b = b[n:]
		return v, nil
	}
	flags, err := u32("flags")
	if err != nil {
		return r, err
	}
	r.Flags = uint(flags)
	n, err := u32("program length")
	if err != nil {
		return r, err
	}
	if r.Prog, err = take(n, "program"); err != nil {
		return r, err
	}
	if len(r.Prog)%sizeofSockFilter != 0 {
		return r, fmt.Errorf("reply: a program of %d bytes is not whole %d-byte instructions", len(r.Prog), sizeofSockFilter)
	}
	count, err := u32("skipped count")
	if err != nil {
		return r, err
	}
	for i := range count {
		l, err := u32("skipped name length")
		if err != nil {
			return r, err
		}
		name, err := take(l, fmt.Sprintf("skipped name %d", i))
		if err != nil {
			return r, err
		}
		r.Skipped = append(r.Skipped, string(name))
	}
	if len(b) != 0 {
		return r, fmt.Errorf("reply: %d bytes after its end", len(b))
	}
	if len(r.Prog) == 0 {
		r.Prog = nil
	}
	return r, nil
}
