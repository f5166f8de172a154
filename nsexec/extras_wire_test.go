package nsexec

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func fullExtras() *Extras {
	umask, adj := uint32(0o027), -500
	return &Extras{
		Umask:       &umask,
		NoNewPrivs:  true,
		OOMScoreAdj: &adj,
		Rlimits:     []Rlimit{{Type: 7, Soft: 1024, Hard: 4096}, {Type: 0, Soft: ^uint64(0), Hard: ^uint64(0)}},
		Caps: &Capabilities{Bounding: []int{0, 1, 21, 40}, Effective: []int{0}, Inheritable: []int{},
			Permitted: []int{0, 1}, Ambient: []int{21}},
		MaskedPaths:     []string{"/proc/kcore", "/proc/keys"},
		ReadonlyPaths:   []string{"/proc/sys"},
		Sysctl:          []Sysctl{{Key: "net.ipv4.ip_forward", Value: "1"}, {Key: "kernel.msgmax", Value: ""}},
		Devices:         []Device{{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, Mode: 0o666, UID: 1, GID: 2}},
		ReadonlyRoot:    true,
		ReadonlyDev:     true,
		RootPropagation: 0x40000,
		Seccomp:         []byte{6, 0, 0, 0, 0, 0, 0xff, 0x7f},
		SeccompFlags:    3,
		Hooks: HookLists{
			StartContainer: []Hook{{Path: "/bin/h", Args: []string{"h", "-x"}, Env: []string{"A=1"}, Timeout: 5}, {Path: "/bin/s"}},
			State:          []byte(`{"id":"c1"}`),
		},
	}
}

// Every field survives the trip, so init does exactly what was planned.
func TestExtrasRoundTrip(t *testing.T) {
	for name, x := range map[string]*Extras{"full": fullExtras(), "empty": {}} {
		got, err := DecodeExtras(x.Encode())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		// (A nil capability set comes back empty, which means the same.)
		if !reflect.DeepEqual(got, x) {
			t.Errorf("%s: decoded\n%+v\nwant\n%+v", name, got, x)
		}
	}
}

// A field added to Extras must be added to the wire form too: fullExtras
// sets every one, and the round trip above checks them.
func TestFullExtrasSetsEveryField(t *testing.T) {
	v := reflect.ValueOf(fullExtras()).Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Field(i).IsZero() {
			t.Errorf("fullExtras leaves Extras.%s unset", v.Type().Field(i).Name)
		}
	}
	h := v.FieldByName("Hooks")
	for i := 0; i < h.NumField(); i++ {
		if h.Field(i).IsZero() {
			t.Errorf("fullExtras leaves HookLists.%s unset", h.Type().Field(i).Name)
		}
	}
}

func TestDecodeExtrasRejectsBadInput(t *testing.T) {
	good := fullExtras().Encode()
	unknownTop := NewFrame(0)
	unknownTop.PutU32(999, 1)
	unknownField := NewFrame(0)
	inner := NewFrame(0)
	inner.PutU32(99, 1)
	unknownField.Put(xRlimit, inner.Attrs())
	shortFlag := NewFrame(0)
	shortFlag.Put(xReadonlyRoot, []byte{1})
	shortUmask := NewFrame(0)
	shortUmask.Put(xUmask, []byte{1, 2})
	for name, tc := range map[string]struct {
		b    []byte
		want string
	}{
		"truncated":     {good[:len(good)-3], "malformed"},
		"unknown":       {unknownTop.Attrs(), "unknown attribute type 999"},
		"unknown field": {unknownField.Attrs(), "unknown attribute type 99"},
		"short value":   {shortUmask.Attrs(), "want 4 bytes"},
		"short flag":    {shortFlag.Attrs(), "want 4 bytes"},
	} {
		_, err := DecodeExtras(tc.b)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err %v, want %q", name, err, tc.want)
		}
		if strings.HasPrefix(name, "unknown") && !errors.Is(err, errUnknownAttr) {
			t.Errorf("%s: errors.Is(%v, errUnknownAttr) is false", name, err)
		}
	}
}
