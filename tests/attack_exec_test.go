package tests

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// `exec ID CMD` without --process used to run an empty process: every
// capability, no no_new_privs, no seccomp, no rlimits. From it root in a
// container with a read-only root remounted / read-write and wrote to it;
// with -u 1000 the full bounding set let a setuid binary regain root. The
// exec'd command must get the container's own process policy.
func TestAttackExecRemountsReadonlyRoot(t *testing.T) {
	e := newOCIEnv(t)
	m := marker()
	b := e.bundle(t, "c1", []string{"sh", "-c", "sleep 1000 # " + m}, func(s *specs.Spec) {
		s.Root.Readonly = true
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 123, Hard: 123}}
	})
	if r := e.oci(t, "run", "--detach", "--bundle", b, "c1"); r.code != 0 {
		t.Fatalf("run -d: exit %d: %s", r.code, r.stderr)
	}
	defer e.oci(t, "delete", "--force", "c1")
	policy := `grep -E '^(CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):' /proc/$1/status; echo nofile=$(ulimit -n)`
	want := e.oci(t, "exec", "c1", "sh", "-c", "grep -E '^(CapEff|CapBnd|CapPrm|NoNewPrivs|Seccomp):' /proc/1/status")
	if want.code != 0 || !strings.Contains(want.stdout, "NoNewPrivs:\t1") {
		t.Fatalf("container's own policy: exit %d %q %s", want.code, want.stdout, want.stderr)
	}
	for _, user := range []string{"", "1000:1000"} {
		args := []string{"exec"}
		if user != "" {
			args = append(args, "-u", user)
		}
		args = append(args, "c1", "sh", "-c", policy+"; mount -o remount,rw / && echo REMOUNTED; touch /pwned && echo WROTE; true", "sh", "self")
		r := e.oci(t, args...)
		if r.code != 0 {
			t.Fatalf("exec -u %q: exit %d: %s", user, r.code, r.stderr)
		}
		if strings.Contains(r.stdout, "REMOUNTED") || strings.Contains(r.stdout, "WROTE") {
			t.Errorf("exec -u %q escaped the read-only root:\n%s", user, r.stdout)
		}
		if !strings.Contains(r.stdout, "nofile=123") {
			t.Errorf("exec -u %q lost the container's rlimits:\n%s", user, r.stdout)
		}
		got := strings.Split(strings.TrimSpace(r.stdout), "\n")
		for _, l := range strings.Split(strings.TrimSpace(want.stdout), "\n") {
			if user != "" && !strings.HasPrefix(l, "CapBnd") && !strings.HasPrefix(l, "NoNewPrivs") {
				continue // a non-root user has no effective capabilities
			}
			found := false
			for _, g := range got {
				found = found || g == l
			}
			if !found {
				t.Errorf("exec -u %q: want %q as the container's init has it; got:\n%s", user, l, r.stdout)
			}
		}
	}
}
