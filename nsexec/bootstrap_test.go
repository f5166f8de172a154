package nsexec

import (
	"encoding/binary"
	"errors"
	"reflect"
	"strings"
	"testing"
)

// fullBootstrap sets every field, with values that differ from each
// other, so a field decoded into the wrong place shows.
func fullBootstrap() *Bootstrap {
	return &Bootstrap{
		CloneFlags:       0x7e020000,
		Hostname:         "box",
		Rootfs:           "/var/lib/rootfs",
		HostRootReadonly: true,
		BindSources:      []string{"/data", "/etc/hosts"},
		BindPeers:        []uint32{1},
		OverlayLower:     []string{"/s/layers/b", "/s/layers/a"},
		OverlayUpper:     "/s/containers/1-2/upper",
		OverlayWork:      "/s/containers/1-2/work",
		OverlayString:    true,
		Debug:            true,
		Args:             []string{"/bin/sh", "-c", "echo 'a b'", ""},
		Env:              []string{"PATH=/bin", "A=1=2"},
		Cwd:              "/srv",
		UID:              1000,
		GID:              1001,
		AddGIDs:          []uint32{1001, 50, 0},
		TTY:              true,
		Init:             true,
		Rows:             24,
		Cols:             80,
		Loopback:         true,
		Mounts: []Mount{
			{Kind: MountFS, Source: "proc", Target: "/proc", FSType: "proc", Data: "hidepid=2",
				Attr: 0x10000000e, NoFollow: true},
			{Kind: MountBind, Source: "/data", Target: "/data", Attr: 1, BindIdx: 0},
			{Kind: MountBind, Source: "/etc/hosts", Target: "/etc/hosts", File: true, BindIdx: 1, RecAttr: 1, RecClr: 0x70, Clr: 0x70, Propagation: []uint32{0x100000, 0x4000}},
			{Kind: MountSetattr, Target: "/sys/fs/cgroup", Attr: 1, NoFollow: true},
		},
		Pdeathsig:   true,
		ExecFifo:    "/run/mycontainer/c1/exec.fifo",
		WaitStart:   true,
		HookPause:   true,
		Owned:       true,
		RootChroot:  true,
		MountHelper: true,
		Join:        []JoinNS{{Type: 0x40000000, Path: "/run/netns/n1"}, {Type: 0x20000, Path: "/proc/42/ns/mnt"}},
		Exec:        true,
		Extras:      []byte(`{"umask":18}`),
	}
}

func TestBootstrapRoundTrip(t *testing.T) {
	for name, bs := range map[string]*Bootstrap{
		"full":    fullBootstrap(),
		"minimal": {Rootfs: "/r", Cwd: "/"},
		// Rows and Cols share one attribute: each half must survive alone.
		"rows only": {Rows: 0xffff},
		"cols only": {Cols: 0xffff},
		"max ids":   {UID: 0xfffffffe, GID: 0xfffffffe, CloneFlags: ^uint64(0)},
	} {
		t.Run(name, func(t *testing.T) {
			got, err := ParseBootstrap(bs.Frame().Bytes())
			if err != nil {
				t.Fatalf("ParseBootstrap: %v", err)
			}
			if !reflect.DeepEqual(got, bs) {
				t.Errorf("round trip changed the bootstrap:\n got %+v\nwant %+v", got, bs)
			}
		})
	}
}

// A field added to Bootstrap or Mount must be added to fullBootstrap too,
// or the round trip above would not cover its encoding.
func TestFullBootstrapSetsEveryField(t *testing.T) {
	bs := reflect.ValueOf(fullBootstrap()).Elem()
	for i := 0; i < bs.NumField(); i++ {
		if bs.Field(i).IsZero() {
			t.Errorf("fullBootstrap leaves Bootstrap.%s unset", bs.Type().Field(i).Name)
		}
	}
	mt := reflect.TypeOf(Mount{})
	for i := 0; i < mt.NumField(); i++ {
		set := false
		for _, m := range fullBootstrap().Mounts {
			set = set || !reflect.ValueOf(m).Field(i).IsZero()
		}
		if !set {
			t.Errorf("no mount in fullBootstrap sets Mount.%s", mt.Field(i).Name)
		}
	}
}

func TestBootstrapFrameHeader(t *testing.T) {
	b := fullBootstrap().Frame().Bytes()
	if n := binary.NativeEndian.Uint32(b[0:]); int(n) != len(b)-hdrLen {
		t.Errorf("payload length %d, frame has %d payload bytes", n, len(b)-hdrLen)
	}
	if typ := binary.NativeEndian.Uint32(b[4:]); typ != MsgBootstrap {
		t.Errorf("frame type %d, want %d", typ, MsgBootstrap)
	}
}

// The runtime and its stages are one binary: an attribute the decoder
// does not know is a bug, and is refused rather than skipped (proto.h),
// at the top level and inside a mount alike.
func TestParseBootstrapRejectsUnknownAttributes(t *testing.T) {
	top := NewFrame(MsgBootstrap)
	top.PutString(aHostname, "h")
	top.PutString(999, "from nowhere")
	inMount := NewFrame(MsgBootstrap)
	m := NewFrame(0)
	m.PutString(mTarget, "/t")
	m.PutString(999, "x")
	inMount.Put(aMount, m.Attrs())
	for name, f := range map[string]*Frame{"top level": top, "in a mount": inMount} {
		bs, err := ParseBootstrap(f.Bytes())
		if !errors.Is(err, errUnknownAttr) || !strings.Contains(err.Error(), "type 999") {
			t.Errorf("%s: got %+v, %v; want an unknown attribute 999 error", name, bs, err)
		}
	}
}

// attr is one attribute in wire form, with any length the test wants.
func attr(typ, n uint32, val []byte) []byte {
	b := binary.NativeEndian.AppendUint32(nil, typ)
	b = binary.NativeEndian.AppendUint32(b, n)
	return append(b, val...)
}

// frame wraps a payload in a header with the right length.
func frame(typ uint32, payload []byte) []byte {
	b := binary.NativeEndian.AppendUint32(nil, uint32(len(payload)))
	b = binary.NativeEndian.AppendUint32(b, typ)
	return append(b, payload...)
}

func TestParseBootstrapMalformed(t *testing.T) {
	valid := fullBootstrap().Frame().Bytes()
	longer := frame(MsgBootstrap, attr(aHostname, 3, []byte("abc")))
	binary.NativeEndian.PutUint32(longer, 4)
	shorter := frame(MsgBootstrap, attr(aHostname, 3, []byte("abc")))
	binary.NativeEndian.PutUint32(shorter, 2)

	for _, tc := range []struct {
		name     string
		in       []byte
		want     string // in the error
		badFrame bool   // wraps errBadFrame
	}{
		{"empty", nil, "shorter than a header", true},
		{"short header", valid[:hdrLen-1], "shorter than a header", true},
		{"header says more", longer, "header says 4 bytes, got 11", true},
		{"header says less", shorter, "header says 2 bytes, got 11", true},
		{"truncated frame", valid[:len(valid)-1], "header says", true},
		{"trailing byte", append(append([]byte{}, valid...), 0), "header says", true},
		{"attribute claims more than remains",
			frame(MsgBootstrap, attr(aHostname, 10, []byte("abc"))), "claims 10 bytes, 3 remain", true},
		{"attribute length near 2^32",
			frame(MsgBootstrap, attr(aHostname, 0xffffffff, []byte("abc"))), "claims 4294967295 bytes", true},
		{"partial attribute header",
			frame(MsgBootstrap, append(attr(aCwd, 1, []byte("/")), 1, 0, 0, 0)), "4 trailing bytes", true},
		{"truncated nested mount attribute",
			frame(MsgBootstrap, attr(aMount, 10, attr(mTarget, 5, []byte("/t")))), "claims 5 bytes, 2 remain", true},
		{"partial nested attribute header",
			frame(MsgBootstrap, attr(aMount, 3, []byte{1, 0, 0})), "3 trailing bytes", true},
		{"wrong frame type", frame(MsgLog, nil), "frame type 3 is not a bootstrap", false},
		{"u64 of 4 bytes", frame(MsgBootstrap, attr(aCloneFlags, 4, make([]byte, 4))), "want 8 bytes, got 4", false},
		{"u32 of 8 bytes", frame(MsgBootstrap, attr(aUID, 8, make([]byte, 8))), "want 4 bytes, got 8", false},
		{"empty bool", frame(MsgBootstrap, attr(aTTY, 0, nil)), "want 4 bytes, got 0", false},
		{"short winsize", frame(MsgBootstrap, attr(aWinsize, 2, []byte{24, 0})), "want 4 bytes, got 2", false},
		{"mount kind of 2 bytes",
			frame(MsgBootstrap, attr(aMount, 10, attr(mKind, 2, []byte{1, 0}))), "want 4 bytes, got 2", false},
		{"flag of 8 bytes", frame(MsgBootstrap, attr(aWaitStart, 8, make([]byte, 8))), "want 4 bytes, got 8", false},
		{"mount flag of 1 byte",
			frame(MsgBootstrap, attr(aMount, 9, attr(mFile, 1, []byte{1}))), "want 4 bytes, got 1", false},
		{"mount attr of 4 bytes",
			frame(MsgBootstrap, attr(aMount, 12, attr(mAttr, 4, make([]byte, 4)))), "want 8 bytes, got 4", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bs, err := ParseBootstrap(tc.in)
			if err == nil {
				t.Fatalf("ParseBootstrap succeeded: %+v", bs)
			}
			if bs != nil {
				t.Errorf("got a bootstrap with the error: %+v", bs)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
			if errors.Is(err, errBadFrame) != tc.badFrame {
				t.Errorf("errors.Is(%q, errBadFrame) = %v, want %v", err, !tc.badFrame, tc.badFrame)
			}
		})
	}
}
