package tests

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// An exec'd process that the OOM killer kills exits 137 (128+SIGKILL, as
// runc's exec does) with a line that names the container's limit. Only a
// kill counted while the process ran is reported: an earlier one, or one
// of another process, leaves the exec's own status alone. Before, exec
// turned any kill ever counted in the container into exit 255 and "no
// --memory was set".
func TestExecOOMKilledExitsWithItsSignal(t *testing.T) {
	e := newOCIEnv(t)
	limit := int64(32 << 20)
	b := e.bundle(t, "oomx", []string{"sleep", "100"}, func(s *specs.Spec) {
		s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit, Swap: &limit}}
	})
	if r := e.oci(t, "run", "-d", "-b", b, "oomx"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	// dd's 64 MiB buffer cannot fit under 32 MiB.
	hog := "dd if=/dev/zero of=/dev/null bs=64M count=1"
	r := e.oci(t, "exec", "oomx", "sh", "-c", "exec "+hog)
	if r.code != 137 || !strings.Contains(r.stderr, "OOM killer killed the process") || !strings.Contains(r.stderr, "32 MiB") {
		t.Errorf("exec of a memory hog: exit %d, stderr %q; want 137 and the container's 32 MiB limit named", r.code, r.stderr)
	}
	// The container has seen a kill now; a process that ends well still
	// exits 0, and one whose child was killed keeps its own status.
	if r := e.oci(t, "exec", "oomx", "true"); r.code != 0 || r.stderr != "" {
		t.Errorf("exec true after an OOM kill: exit %d, stderr %q; want 0 and nothing", r.code, r.stderr)
	}
	if r := e.oci(t, "exec", "oomx", "sh", "-c", hog+"; exit 3"); r.code != 3 || strings.Contains(r.stderr, "OOM") {
		t.Errorf("exec whose child was OOM-killed: exit %d, stderr %q; want its own 3", r.code, r.stderr)
	}
	if st := e.status(t, "oomx"); st != "running" {
		t.Errorf("the container after its exec was OOM-killed: %s, want running", st)
	}
}
