package nsexec

import (
	"bytes"
	"reflect"
	"testing"
)

// FuzzParseBootstrap feeds arbitrary bytes to the decoder, which reads what
// the stages are sent: it must return an error, never panic, and whatever
// it accepts must encode and decode back to the same bootstrap.
func FuzzParseBootstrap(f *testing.F) {
	f.Add(fullBootstrap().Frame().Bytes())
	f.Add((&Bootstrap{}).Frame().Bytes())
	f.Add((&Bootstrap{Rows: 1, Mounts: []Mount{{Kind: MountDevices, Target: "/dev"}}}).Frame().Bytes())
	f.Add(frame(MsgBootstrap, attr(aMount, 10, attr(mTarget, 5, []byte("/t")))))
	f.Add(frame(MsgBootstrap, attr(aHostname, 0xffffffff, nil)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		bs, err := ParseBootstrap(b)
		if err != nil {
			if bs != nil {
				t.Fatalf("got a bootstrap with the error %v", err)
			}
			return
		}
		again, err := ParseBootstrap(bs.Frame().Bytes())
		if err != nil {
			t.Fatalf("re-encoded bootstrap does not decode: %v", err)
		}
		if !reflect.DeepEqual(again, bs) {
			t.Fatalf("re-encoding changed the bootstrap:\n got %+v\nwant %+v", again, bs)
		}
	})
}

// FuzzDecodeExtras does the same for the extras, which init decodes.
func FuzzDecodeExtras(f *testing.F) {
	f.Add(fullExtras().Encode())
	f.Add((&Extras{}).Encode())
	f.Add(attr(xRlimit, 8, attr(xfSoft, 0, nil)))
	f.Fuzz(func(t *testing.T, b []byte) {
		x, err := DecodeExtras(b)
		if err != nil {
			if x != nil {
				t.Fatalf("got extras with the error %v", err)
			}
			return
		}
		// Compared in wire form: a capability set the input left out
		// comes back empty instead of nil, which means the same.
		again, err := DecodeExtras(x.Encode())
		if err != nil {
			t.Fatalf("re-encoded extras do not decode: %v", err)
		}
		if !bytes.Equal(again.Encode(), x.Encode()) {
			t.Fatalf("re-encoding changed the extras:\n got %+v\nwant %+v", again, x)
		}
	})
}
