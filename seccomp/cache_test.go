package seccomp

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func cacheProfile() *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"read", "write", "exit_group"}, Action: specs.ActAllow}}}
}

// The cached program is the compiled one; a damaged file is compiled
// again, never loaded.
func TestCompileCached(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	want, wantFlags, err := Compile(cacheProfile())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 { // miss, then hit
		got, flags, err := CompileCached(cacheProfile(), nil, dir)
		if err != nil || !bytes.Equal(got, want) || flags != wantFlags {
			t.Fatalf("round %d: %v, program equal %v", i, err, bytes.Equal(got, want))
		}
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*.bpf"))
	if len(files) != 1 {
		t.Fatalf("cache holds %v", files)
	}
	b, _ := os.ReadFile(files[0])
	b[len(b)-1] ^= 0xff // damage the last instruction
	if err := os.WriteFile(files[0], b, 0o600); err != nil {
		t.Fatal(err)
	}
	got, _, err := CompileCached(cacheProfile(), nil, dir)
	if err != nil || !bytes.Equal(got, want) {
		t.Errorf("a damaged cache file was used: %v", err)
	}
	other := cacheProfile()
	other.Syscalls[0].Names = append(other.Syscalls[0].Names, "getpid")
	got, _, _ = CompileCached(other, nil, dir)
	if bytes.Equal(got, want) {
		t.Error("another profile got the first one's program")
	}
}

// With the profile's JSON as config.json wrote it, the key is those bytes:
// the same bytes hit, other bytes miss, and neither is taken for the
// encoded form of the same profile.
func TestCompileCachedRawKey(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	want, _, err := Compile(cacheProfile())
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(cacheProfile())
	if err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		got, _, err := CompileCached(cacheProfile(), raw, dir)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("round %d: %v, program equal %v", i, err, bytes.Equal(got, want))
		}
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.bpf")); len(files) != 1 {
		t.Fatalf("cache holds %v", files)
	}
	if _, _, err := CompileCached(cacheProfile(), nil, dir); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*.bpf")); len(files) != 2 {
		t.Errorf("raw and encoded keys share a file: %v", files)
	}
	other := cacheProfile()
	other.Syscalls[0].Names = append(other.Syscalls[0].Names, "getpid")
	otherRaw, _ := json.Marshal(other)
	got, _, _ := CompileCached(other, otherRaw, dir)
	if bytes.Equal(got, want) {
		t.Error("another profile's bytes got the first one's program")
	}
}

// Unknown, newer syscalls get ENOSYS before the profile's default.
func TestENOSYSStubFront(t *testing.T) {
	prog, _, err := Compile(cacheProfile())
	if err != nil {
		t.Fatal(err)
	}
	insns, err := decode(prog)
	if err != nil {
		t.Fatal(err)
	}
	if len(insns) < 6 || insns[5].K&0xffff != 38 /* ENOSYS */ || insns[4].K < 60 {
		t.Errorf("no ENOSYS stub in front: %+v", insns[:6])
	}
	kill := cacheProfile()
	kill.DefaultAction = specs.ActKillProcess
	prog2, _, err := Compile(kill)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog2) != len(prog)-6*sizeofSockFilter {
		t.Errorf("a kill-by-default profile got the stub too (%d vs %d bytes)", len(prog2), len(prog))
	}
}
