package nsexec

import (
	"bytes"
	"testing"
)

// FuzzParseFrame feeds arbitrary bytes to the frame decoder, which reads
// every message the parent receives from the stages (Recv hands it what
// came off the socket). It must return an error, never panic; a frame it
// accepts must encode back to the very same bytes, because the wire form
// has exactly one way to write a given list of attributes.
func FuzzParseFrame(f *testing.F) {
	log := NewFrame(MsgLog)
	log.PutString(LStep, "mount /proc")
	log.PutU64(LStart, 1)
	log.PutU64(LEnd, 2)
	f.Add(log.Bytes())
	e := NewFrame(MsgError)
	e.PutString(LStep, "pivot_root")
	e.PutU32(LErrno, 22)
	e.Put(LHint, nil)
	f.Add(e.Bytes())
	f.Add(NewFrame(MsgReady).Bytes())
	f.Add(fullBootstrap().Frame().Bytes())
	f.Add(frame(MsgLog, attr(LStep, 0xffffffff, nil)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		typ, attrs, err := ParseFrame(b)
		if err != nil {
			if attrs != nil {
				t.Fatalf("got %d attributes with the error %v", len(attrs), err)
			}
			return
		}
		again := NewFrame(typ)
		for _, a := range attrs {
			again.Put(a.Type, a.Val)
			// Any value may be read as nested attributes (a mount, the
			// extras) or as a number: none of it may panic.
			_, _ = ParseAttrs(a.Val)
			_, _ = a.U32()
			_, _ = a.U64()
		}
		if !bytes.Equal(again.Bytes(), b) {
			t.Fatalf("re-encoding changed the frame:\n got %x\nwant %x", again.Bytes(), b)
		}
	})
}
