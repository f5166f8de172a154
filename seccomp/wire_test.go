package seccomp

import (
	"bytes"
	"reflect"
	"testing"
)

func TestReplyRoundTrip(t *testing.T) {
	want := Reply{Prog: bytes.Repeat([]byte{1, 2, 3, 4, 5, 6, 7, 8}, 3), Flags: 6, Skipped: []string{"new_call", "x"}}
	got, err := DecodeReply(EncodeReply(want))
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v; want %+v", got, err, want)
	}
}

// Every cut, every trailing byte and a program of part instructions is
// refused: the runtime loads what it decodes into the kernel.
func TestReplyChecked(t *testing.T) {
	good := EncodeReply(Reply{Prog: make([]byte, 16), Skipped: []string{"a"}})
	for n := range len(good) {
		if _, err := DecodeReply(good[:n]); err == nil {
			t.Errorf("a reply cut to %d of %d bytes was taken", n, len(good))
		}
	}
	if _, err := DecodeReply(append(append([]byte{}, good...), 0)); err == nil {
		t.Error("a reply with a byte after its end was taken")
	}
	if _, err := DecodeReply(EncodeReply(Reply{Prog: make([]byte, 12)})); err == nil {
		t.Error("a program of 1.5 instructions was taken")
	}
}
