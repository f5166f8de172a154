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
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*.bpf"))
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
	if files, _ := filepath.Glob(filepath.Join(dir, "*", "*.bpf")); len(files) != 1 {
		t.Fatalf("cache holds %v", files)
	}
	if _, _, err := CompileCached(cacheProfile(), nil, dir); err != nil {
		t.Fatal(err)
	}
	if files, _ := filepath.Glob(filepath.Join(dir, "*", "*.bpf")); len(files) != 2 {
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

// Lookup finds a program CompileCached stored under the same bytes, and
// never one for bytes that may hold a notify action or a listener (their
// decoded form goes to the agent), whatever their case or escapes.
func TestLookup(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	raw := []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","exit_group"],"action":"SCMP_ACT_ALLOW"}]}`)
	if _, _, ok := Lookup(raw, dir); ok {
		t.Fatal("hit in an empty cache")
	}
	want, _, err := CompileCached(cacheProfile(), raw, dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, _, ok := Lookup(raw, dir); !ok || !bytes.Equal(got, want) {
		t.Fatalf("no hit after CompileCached stored it (ok %v)", ok)
	}
	if _, _, ok := Lookup(append([]byte(" "), raw...), dir); ok {
		t.Error("other bytes hit")
	}
	for _, risky := range []string{`"SCMP_ACT_NOTIFY"`, `"scmp_act_Notify"`, `"listenerPath":"/x"`, `"SCMP_ACT_NOTIF\u0059"`} {
		r := append(bytes.Clone(raw[:len(raw)-1]), []byte(`,"x":`+risky+`}`)...)
		if _, err := cachePut(r, dir); err != nil {
			t.Fatal(err)
		}
		if _, _, ok := Lookup(r, dir); ok {
			t.Errorf("%s: looked up without decoding", risky)
		}
	}
}

// cachePut stores cacheProfile's program under raw's key.
func cachePut(raw []byte, dir string) (string, error) {
	_, _, err := CompileCached(cacheProfile(), raw, dir)
	return dir, err
}

// A program is found only in the boot that compiled it (the ABIs it left
// out depend on boot options), and a compile in a new boot removes the
// programs of the old ones.
func TestCompileCachedPerBoot(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	saved := bootID
	t.Cleanup(func() { bootID = saved })
	boot := func(id string) { bootID = func() (string, error) { return id, nil } }
	raw := []byte(`{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read","write","exit_group"],"action":"SCMP_ACT_ALLOW"}]}`)
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(raw, &s); err != nil {
		t.Fatal(err)
	}
	const a, b = "11111111-2222-3333-4444-555555555555", "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
	boot(a)
	if _, _, err := CompileCached(&s, raw, dir); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := Lookup(raw, dir); !ok {
		t.Fatal("not found in the boot that compiled it")
	}
	boot(b)
	if _, _, ok := Lookup(raw, dir); ok {
		t.Fatal("a program of another boot was found")
	}
	if _, _, err := CompileCached(&s, raw, dir); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, a)); !os.IsNotExist(err) {
		t.Errorf("the old boot's programs were kept: %v", err)
	}
	if _, _, ok := Lookup(raw, dir); !ok {
		t.Error("not found after the new boot compiled it")
	}
}

// A program compiled by another helper (rebuilt with another compiler or
// libseccomp) is compiled again; with no helper to read, a hit loads.
func TestCacheKeepsTheHelpersID(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	saved := helperBuildID
	t.Cleanup(func() { helperBuildID = saved })
	calls := 0
	savedCompile := compileProfile
	t.Cleanup(func() { compileProfile = savedCompile })
	compileProfile = func(s *specs.LinuxSeccomp) (Reply, error) {
		calls++
		return savedCompile(s)
	}
	for i, id := range []string{"helper-a", "helper-a", "helper-b", "", "helper-b"} {
		helperBuildID = func() []byte {
			if id == "" {
				return nil
			}
			return []byte(id)
		}
		if _, _, err := CompileCached(cacheProfile(), nil, dir); err != nil {
			t.Fatalf("round %d: %v", i, err)
		}
		if want := []int{1, 1, 2, 2, 2}[i]; calls != want {
			t.Fatalf("round %d (helper %q): %d compiles, want %d", i, id, calls, want)
		}
	}
}
