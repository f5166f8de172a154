package tests

import (
	"strings"
	"testing"
)

// --init: the command is PID 2 under a reaping PID 1; orphans re-parented
// to PID 1 are reaped, so no zombie is ever left.
func TestInitReapsOrphanZombies(t *testing.T) {
	before := snapshot(t)
	m := marker()
	// The subshell exits at once, orphaning its child, which then exits:
	// it becomes a zombie of PID 1 unless PID 1 reaps it. The script
	// waits until the orphan's /proc entry is gone (reaped; a zombie
	// keeps it), for at most 10 s, then lists what is left.
	script := `(sleep 0.1 & echo $! > /tmp/orphan); o=$(cat /tmp/orphan)
i=0; while [ -e /proc/$o ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i+1)); done; ps -o pid,stat,comm; exit 4`
	r := inRootfs(t, []string{"--init"}, "sh", "-c", script+" # "+m)
	if r.code != 4 {
		t.Fatalf("exit %d, want 4 (stderr %q)", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	var pid1, pid2 string
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		if f[0] == "1" {
			pid1 = f[2]
		}
		if f[0] == "2" {
			pid2 = f[2]
		}
		if strings.HasPrefix(f[1], "Z") {
			t.Errorf("zombie left: %s", l)
		}
	}
	if pid1 != "myc:[init]" || pid2 != "sh" {
		t.Errorf("PID 1 = %q, PID 2 = %q; want the runtime's init and sh:\n%s", pid1, pid2, r.stdout)
	}
	before.assertClean(t, m)
}

// Without --init a command that does not reap leaves zombies: the
// behaviour --init exists for. (busybox sh as PID 1 does reap, so this
// checks the contrast on the same script.)
func TestWithoutInitCommandIsPID1(t *testing.T) {
	r := inRootfs(t, nil, "sh", "-c", "echo $$")
	if strings.TrimSpace(r.stdout) != "1" {
		t.Errorf("command is PID %q, want 1", r.stdout)
	}
	r = inRootfs(t, []string{"--init"}, "sh", "-c", "echo $$")
	if strings.TrimSpace(r.stdout) != "2" {
		t.Errorf("with --init the command is PID %q, want 2", r.stdout)
	}
}
