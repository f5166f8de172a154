package seccomp

import (
	"encoding/binary"
	"os"
	"testing"
)

// The test binary is built by the Go linker, so it carries a build ID
// note, and it is what /proc/self/exe names.
func TestSelfBuildID(t *testing.T) {
	id, err := selfBuildID()
	if err != nil || len(id) < 16 {
		t.Fatalf("build ID %q: %v", id, err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	if again, err := fileBuildID(exe); err != nil || string(again) != string(id) {
		t.Fatalf("build ID of %s: %q, %v; /proc/self/exe gave %q", exe, again, err, id)
	}
	if _, err := fileBuildID("/proc/self/status"); err == nil {
		t.Error("a file that is not ELF gave a build ID")
	}
}

// Two builds never share a cache file for the same profile: the key holds
// the build ID.
func TestCacheKeyCoversBuild(t *testing.T) {
	raw := []byte(`{"defaultAction":"SCMP_ACT_ERRNO"}`)
	a := cacheKey("raw", raw, []byte("build-a"))
	b := cacheKey("raw", raw, []byte("build-b"))
	if a == b {
		t.Fatalf("keys %s and %s", a, b)
	}
	// A name and raw bytes that happen to be the same never share a file.
	if n := cacheKey("named", raw, []byte("build-a")); n == a {
		t.Fatalf("a named key equals the raw key %s", a)
	}
}

func TestFindNote(t *testing.T) {
	note := func(name string, typ uint32, desc string) []byte {
		b := binary.LittleEndian.AppendUint32(nil, uint32(len(name)+1))
		b = binary.LittleEndian.AppendUint32(b, uint32(len(desc)))
		b = binary.LittleEndian.AppendUint32(b, typ)
		n := append([]byte(name), 0)
		for len(n)%4 != 0 {
			n = append(n, 0)
		}
		d := []byte(desc)
		for len(d)%4 != 0 {
			d = append(d, 0)
		}
		return append(append(b, n...), d...)
	}
	seg := append(note("GNU", noteGNUBuildID, "gnu-id"), note("Go", noteGoBuildID, "go-id-x")...)
	if got := findNote(seg, binary.LittleEndian, "Go", noteGoBuildID); string(got) != "go-id-x" {
		t.Errorf("Go note: %q", got)
	}
	if got := findNote(seg, binary.LittleEndian, "GNU", noteGNUBuildID); string(got) != "gnu-id" {
		t.Errorf("GNU note: %q", got)
	}
	if got := findNote(seg[:len(seg)-2], binary.LittleEndian, "Go", noteGoBuildID); got != nil {
		t.Errorf("a cut note was read: %q", got)
	}
}
