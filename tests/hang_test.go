package tests

import (
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
