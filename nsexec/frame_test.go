package nsexec

import (
	"bytes"
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestFrameAttrs(t *testing.T) {
	f := NewFrame(MsgLog)
	f.PutString(LStep, "mount /proc")
	f.PutU64(LStart, 1<<40+7)
	f.PutU32(LPID, 42)
	f.Put(LHint, nil)
	typ, attrs, err := ParseFrame(f.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if typ != MsgLog || len(attrs) != 4 {
		t.Fatalf("got type %d and %d attributes, want %d and 4", typ, len(attrs), MsgLog)
	}
	if attrs[0].Type != LStep || attrs[0].String() != "mount /proc" {
		t.Errorf("attribute 0 = %d %q", attrs[0].Type, attrs[0].String())
	}
	if v, err := attrs[1].U64(); err != nil || v != 1<<40+7 {
		t.Errorf("attribute 1 = %d, %v", v, err)
	}
	if v, err := attrs[2].U32(); err != nil || v != 42 {
		t.Errorf("attribute 2 = %d, %v", v, err)
	}
	if _, err := attrs[2].U64(); err == nil {
		t.Error("U64 of a 4-byte attribute succeeded")
	}
	if attrs[3].Type != LHint || len(attrs[3].Val) != 0 {
		t.Errorf("attribute 3 = %d %q, want an empty hint", attrs[3].Type, attrs[3].Val)
	}
}

func seqpacketPair(t *testing.T) (int, int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		unix.Close(fds[0])
		unix.Close(fds[1])
	})
	return fds[0], fds[1]
}

func TestSendRecvKeepsFrameBoundaries(t *testing.T) {
	a, b := seqpacketPair(t)
	f1 := NewFrame(MsgPID)
	f1.PutU32(LPID, 1234)
	f2 := NewFrame(MsgError)
	f2.PutString(LStep, "pivot_root")
	for _, f := range []*Frame{f1, f2} {
		if err := Send(a, f); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []*Frame{f1, f2} {
		got, fds, err := Recv(b)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want.Bytes()) || len(fds) != 0 {
			t.Errorf("Recv = %x with fds %v, want %x and none", got, fds, want.Bytes())
		}
	}
}

func TestSendRecvPassesFD(t *testing.T) {
	a, b := seqpacketPair(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()

	f := NewFrame(MsgPTY)
	if err := Send(a, f, int(w.Fd())); err != nil {
		t.Fatal(err)
	}
	got, fds, err := Recv(b)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, f.Bytes()) {
		t.Errorf("frame %x, want %x", got, f.Bytes())
	}
	if len(fds) != 1 {
		t.Fatalf("got fds %v, want one", fds)
	}
	passed := os.NewFile(uintptr(fds[0]), "passed")
	defer passed.Close()
	if fds[0] == int(w.Fd()) {
		t.Errorf("passed fd has the sender's number %d: not a new fd", fds[0])
	}
	// Received fds must not leak into whatever the receiver execs.
	if fl, err := unix.FcntlInt(uintptr(fds[0]), unix.F_GETFD, 0); err != nil || fl&unix.FD_CLOEXEC == 0 {
		t.Errorf("passed fd flags %#x, %v: want FD_CLOEXEC", fl, err)
	}
	// It is the same pipe: what goes in the passed fd comes out of r.
	if _, err := passed.Write([]byte("through")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	n, err := r.Read(buf)
	if err != nil || string(buf[:n]) != "through" {
		t.Errorf("read %q, %v from the pipe, want %q", buf[:n], err, "through")
	}
}

func TestRecvEOF(t *testing.T) {
	a, b := seqpacketPair(t)
	if err := Send(a, NewFrame(MsgPID)); err != nil {
		t.Fatal(err)
	}
	unix.Close(a)
	// A message sent before the close is still delivered, then EOF.
	if got, _, err := Recv(b); err != nil || len(got) != hdrLen {
		t.Fatalf("Recv = %x, %v; want the empty PID frame", got, err)
	}
	got, fds, err := Recv(b)
	if got != nil || fds != nil || err != nil {
		t.Errorf("Recv at EOF = %x, %v, %v; want nil, nil, nil", got, fds, err)
	}
}

func openFDs(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

// A message too large for Recv's buffer is refused, and the fds that came
// with it are closed, not leaked.
func TestRecvTooLargeClosesFDs(t *testing.T) {
	a, b := seqpacketPair(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f := NewFrame(MsgLog)
	f.Put(LStep, make([]byte, 70<<10))
	if err := Send(a, f, int(r.Fd()), int(w.Fd())); err != nil {
		t.Fatal(err)
	}
	before := openFDs(t)
	got, fds, err := Recv(b)
	if !errors.Is(err, errBadFrame) || got != nil || fds != nil {
		t.Fatalf("Recv = %d bytes, %v, %v; want a malformed-frame error", len(got), fds, err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d fds open after the refused message, %d before: the passed fds leaked", after, before)
	}
}

func TestSendToClosedPeer(t *testing.T) {
	a, b := seqpacketPair(t)
	unix.Close(b)
	// MSG_NOSIGNAL: an error, not a SIGPIPE that kills the runtime.
	if err := Send(a, NewFrame(MsgPID)); err != unix.EPIPE {
		t.Errorf("Send to a closed peer = %v, want EPIPE", err)
	}
}

// Recv has room for four fds: more is a truncated control message, which
// is refused with every fd that did arrive closed.
func TestRecvFDCount(t *testing.T) {
	a, b := seqpacketPair(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	four := []int{int(r.Fd()), int(w.Fd()), int(r.Fd()), int(w.Fd())}
	if err := Send(a, NewFrame(MsgPTY), four...); err != nil {
		t.Fatal(err)
	}
	_, fds, err := Recv(b)
	if err != nil || len(fds) != 4 {
		t.Fatalf("Recv with four fds = %v, %v", fds, err)
	}
	for _, fd := range fds {
		unix.Close(fd)
	}

	if err := Send(a, NewFrame(MsgPTY), append(four, int(r.Fd()))...); err != nil {
		t.Fatal(err)
	}
	before := openFDs(t)
	if _, fds, err := Recv(b); !errors.Is(err, errBadFrame) || fds != nil {
		t.Errorf("Recv with five fds = %v, %v; want a malformed-frame error", fds, err)
	}
	if after := openFDs(t); after != before {
		t.Errorf("%d fds open after the refused message, %d before: the passed fds leaked", after, before)
	}
}
