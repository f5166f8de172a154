package tests

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The pty of a --tty process whose user is not root belongs to that user
// (run and exec), as runc's does: mesg, write and sudo's use_pty check it.
func TestRuncTTYOwnedByProcessUser(t *testing.T) {
	owner := "stat -c owner=%u $(tty)"
	r := inRootfs(t, []string{"--tty", "-u", "1000:1000"}, "sh", "-c", owner)
	if r.code != 0 || !strings.Contains(r.stdout, "owner=1000") {
		t.Errorf("run --tty -u 1000: exit %d %q %q; want the pty owned by 1000", r.code, r.stdout, r.stderr)
	}

	e := newOCIEnv(t)
	b := e.bundle(t, "ttyrun", []string{"sh", "-c", owner}, func(s *specs.Spec) {
		s.Process.Terminal = true
		s.Process.User = specs.User{UID: 1000, GID: 1000}
	})
	if r := e.oci(t, "run", "-b", b, "ttyrun"); r.code != 0 || !strings.Contains(r.stdout, "owner=1000") {
		t.Errorf("OCI run, terminal, user 1000: exit %d %q %q", r.code, r.stdout, r.stderr)
	}

	b = e.bundle(t, "ttyex", []string{"sleep", "100"}, nil)
	if r := e.oci(t, "run", "-d", "-b", b, "ttyex"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	defer e.oci(t, "delete", "--force", "ttyex")
	if r := e.oci(t, "exec", "--tty", "-u", "1000:1000", "ttyex", "sh", "-c", owner); !strings.Contains(r.stdout, "owner=1000") {
		t.Errorf("exec --tty -u 1000: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := e.oci(t, "exec", "--tty", "ttyex", "sh", "-c", owner); !strings.Contains(r.stdout, "owner=0") {
		t.Errorf("exec --tty as root: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}
