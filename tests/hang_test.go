package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Bad input that used to hang the runtime: each must fail at once, with a
// clear error, and leave nothing behind. The bound on each wait only
// detects a hang.
const hangBound = 30 * time.Second

// Attack: linux.namespaces[].path names a FIFO. open() of a FIFO blocks
// until a writer comes, so `create` waited for ever.
func TestNamespacePathFIFO(t *testing.T) {
	e := newOCIEnv(t)
	fifo := filepath.Join(t.TempDir(), "netns")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	b := e.bundle(t, "nsfifo", []string{"true"}, func(s *specs.Spec) {
		for i := range s.Linux.Namespaces {
			if s.Linux.Namespaces[i].Type == specs.NetworkNamespace {
				s.Linux.Namespaces[i].Path = fifo
			}
		}
	})
	before := snapshot(t)
	r := runWithin(t, hangBound, "--root", e.root, "create", "--bundle", b, "nsfifo")
	if r.code != 1 {
		t.Errorf("create exit %d, want 1 (stderr %q)", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, fifo) || !strings.Contains(r.stderr, "not a namespace file") {
		t.Errorf("error does not name the path and the problem: %q", r.stderr)
	}
	if l := e.oci(t, "list", "-q"); strings.TrimSpace(l.stdout) != "" {
		t.Errorf("a failed create left a container: %q", l.stdout)
	}
	before.assertClean(t, "")
}

// Attack: a namespace file of another type (a uts namespace given as the
// network one). setns fails with a bare EINVAL; the error must say why.
func TestNamespacePathWrongType(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "nswrong", []string{"true"}, func(s *specs.Spec) {
		for i := range s.Linux.Namespaces {
			if s.Linux.Namespaces[i].Type == specs.NetworkNamespace {
				s.Linux.Namespaces[i].Path = "/proc/self/ns/uts"
			}
		}
	})
	r := runWithin(t, hangBound, "--root", e.root, "create", "--bundle", b, "nswrong")
	if r.code != 1 || !strings.Contains(r.stderr, "it is a uts namespace") {
		t.Errorf("create exit %d, stderr %q; want 1 and the type found", r.code, r.stderr)
	}
}

// freeze makes the cgroup parent (a test's own) and freezes it, with the
// freezer of this host's cgroup mode. The thaw is registered as a
// clean-up, so it runs before the parent's removal.
func freeze(t *testing.T, parent string) {
	t.Helper()
	dir, file, on, off := filepath.Join("/sys/fs/cgroup", parent), "cgroup.freeze", "1", "0"
	if !cgroupMode(t).IsV2() {
		dir, file, on, off = filepath.Join("/sys/fs/cgroup/freezer", parent), "freezer.state", "FROZEN", "THAWED"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.WriteFile(filepath.Join(dir, file), []byte(off), 0o644); err != nil {
			t.Errorf("thaw %s: %v", dir, err)
		}
	})
	if err := os.WriteFile(filepath.Join(dir, file), []byte(on), 0o644); err != nil {
		t.Fatal(err)
	}
}

// Attack: `run` into a frozen parent cgroup. stage-1 joined it and was
// stopped by the kernel before it could report: the runtime hung.
func TestFrozenCgroupRun(t *testing.T) {
	parent := cgroupParent(t)
	freeze(t, parent)
	before := snapshot(t)
	r := runWithin(t, hangBound, "run", "--rootfs", rootfs, "--cgroup-parent", parent, "--", "true")
	if r.code != 125 {
		t.Errorf("exit %d, want 125 (stderr %q)", r.code, r.stderr)
	}
	checkOneLine(t, r.stderr, parent, "frozen", "thaw")
	before.assertClean(t, "")
}

// Attack: `create` (what `run -d` does first) into a cgroup whose parent
// is frozen: the same hang, and a state left in "creating".
func TestFrozenCgroupCreate(t *testing.T) {
	e := newOCIEnv(t)
	freeze(t, e.parent)
	b := e.bundle(t, "frozen", []string{"true"}, nil)
	before := snapshot(t)
	r := runWithin(t, hangBound, "--root", e.root, "run", "-d", "--bundle", b, "frozen")
	if r.code != 1 || !strings.Contains(r.stderr, "frozen") {
		t.Errorf("run -d exit %d, want 1 and an error saying the cgroup is frozen (stderr %q)", r.code, r.stderr)
	}
	if l := e.oci(t, "list", "-q"); strings.TrimSpace(l.stdout) != "" {
		t.Errorf("a failed create left a container: %q", l.stdout)
	}
	before.assertClean(t, "")
}

// Attack: an argument list execve refuses with E2BIG. create and start
// both returned 0 and the command never ran; create must refuse it.
func TestCreateRefusesArgListTooLong(t *testing.T) {
	big := strings.Repeat("x", 100_000)
	many := []string{"echo"}
	for i := 0; i < 30; i++ { // 3 MB: over a quarter of an 8 MiB stack
		many = append(many, big)
	}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"one-arg-over-MAX_ARG_STRLEN", []string{"echo", strings.Repeat("x", 200_000)}, "MAX_ARG_STRLEN"},
		{"total-over-stack-quarter", many, "E2BIG"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newOCIEnv(t)
			b := e.bundle(t, "e2big", c.args, func(s *specs.Spec) {
				s.Process.Rlimits = append(s.Process.Rlimits, specs.POSIXRlimit{Type: "RLIMIT_STACK", Soft: 8 << 20, Hard: 8 << 20})
			})
			before := snapshot(t)
			r := runWithin(t, hangBound, "--root", e.root, "create", "--bundle", b, "e2big")
			if r.code == 0 {
				st := e.oci(t, "start", "e2big")
				t.Fatalf("create accepted the argument list (start then exited %d)", st.code)
			}
			if r.code != 1 || !strings.Contains(r.stderr, c.want) {
				t.Errorf("create exit %d, want 1 and an error with %q (stderr %q)", r.code, c.want, r.stderr)
			}
			before.assertClean(t, "")
		})
	}
}
