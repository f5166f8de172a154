package spec

import (
	"bytes"
	"encoding/json"
	"os"
	"reflect"
	"testing"
)

// checkSameAsSlow fails when the walk's path and the plain decode
// disagree on a config: on whether it decodes, on the spec, or on the
// profile's bytes.
func checkSameAsSlow(t *testing.T, data []byte) {
	t.Helper()
	start, end, ok := seccompSpan(data)
	if ok && (start < 0 || end > len(data) || start >= end) {
		t.Fatalf("span [%d,%d) outside %d bytes", start, end, len(data))
	}
	fast, fsc, ferr := decodeSplit(data, true)
	slow, ssc, serr := decodeSplitWhole(data, true)
	if ferr == nil && fsc != nil && !json.Valid(fsc) {
		// The profile is decoded or looked up later: invalid bytes
		// are refused then, as the plain decode refuses them now.
		ferr = errInvalidProfile
	}
	if (ferr == nil) != (serr == nil) {
		t.Fatalf("walk says %v, plain decode says %v, for %q", ferr, serr, data)
	}
	if ferr != nil {
		return
	}
	if !bytes.Equal(fsc, ssc) {
		t.Fatalf("profile bytes differ: walk %q, plain %q", fsc, ssc)
	}
	if !reflect.DeepEqual(fast, slow) {
		t.Fatalf("specs differ for %q:\nwalk  %+v\nplain %+v", data, fast, slow)
	}
}

var errInvalidProfile = json.Unmarshal([]byte("x"), new(any))

func TestSeccompSpanAgreesWithDecode(t *testing.T) {
	for _, name := range []string{"testdata/podman-config.json", "testdata/containerd-config.json"} {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		checkSameAsSlow(t, data)
		_, _, ok := seccompSpan(data)
		if has := bytes.Contains(data, []byte(`"seccomp"`)); ok != has {
			t.Errorf("%s: the walk found a profile: %v, the file has one: %v", name, ok, has)
		}
	}
	base := `{"ociVersion":"1.0.2","process":{"user":{"uid":0,"gid":0},"args":["sh"],"cwd":"/"},"root":{"path":"rootfs"},`
	for _, c := range []string{
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}}`,
		base + `"linux":{"seccomp":null}}`,
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a}]\""],"action":"SCMP_ACT_ERRNO"}]}, "namespaces":[{"type":"pid"}]}}`,
		base + `"linux":{"Seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}}`,      // matched by case: slow path
		base + `"linux":{"s\u0065ccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}}`, // escaped key
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"},"seccomp":{"defaultAction":"SCMP_ACT_KILL"}}}`,
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}},"linux":{"namespaces":[]}}`,
		base + `"LINUX":{"seccomp":{"defaultAction":"SCMP_ACT_KILL"}},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}}`,
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW",}}}`, // invalid inside the span
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}} trailing`,
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}`,
		base + `"linux":{"seccomp":tru}}`,
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}, "process":{"args":["x"]}}`,
		// encoding/json takes the last of two keys that match: a walk
		// that took only the exact spelling would cut the wrong one.
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}},"LINUX":{"seccomp":{"defaultAction":"SCMP_ACT_KILL"}}}`,
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"},"SECCOMP":{"defaultAction":"SCMP_ACT_KILL"}}}`,
		base + `"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"},"ſeccomp":{"defaultAction":"SCMP_ACT_KILL"}}}`,
	} {
		checkSameAsSlow(t, []byte(c))
	}
}

func FuzzSeccompSpan(f *testing.F) {
	for _, name := range []string{"testdata/podman-config.json", "testdata/containerd-config.json"} {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"]}]}}}`))
	f.Add([]byte(`{"linux":{"seccomp":"\"}"}, "Linux":{}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		checkSameAsSlow(t, data)
	})
}
