package seccomp

import (
	"encoding/binary"
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

func TestDecode(t *testing.T) {
	want := []unix.SockFilter{{Code: 0x20, K: 4}, {Code: 0x15, Jt: 1, Jf: 2, K: 0xc000003e}, {Code: 6, K: 0x7fff0000}}
	var b []byte
	for _, f := range want {
		b = binary.NativeEndian.AppendUint16(b, f.Code)
		b = append(b, f.Jt, f.Jf)
		b = binary.NativeEndian.AppendUint32(b, f.K)
	}
	got, err := decode(b)
	if err != nil || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("round trip: %v, %v", got, err)
	}
	for name, b := range map[string][]byte{
		"empty":     nil,
		"not whole": make([]byte, 12),
		"too long":  make([]byte, sizeofSockFilter*(unix.BPF_MAXINSNS+1)),
	} {
		if _, err := decode(b); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
