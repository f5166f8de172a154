package tests

import (
	"strings"
	"testing"
)

func TestExitStatusIsTheCommands(t *testing.T) {
	for _, c := range []struct {
		script string
		want   int
	}{
		{"exit 0", 0},
		{"exit 3", 3},
		{"exit 255", 255},
	} {
		r := inRootfs(t, nil, "sh", "-c", c.script)
		if r.code != c.want {
			t.Errorf("%q: exit %d, want %d (stderr %q)", c.script, r.code, c.want, r.stderr)
		}
	}
	// A signal that kills the command gives 128+N. From inside its own
	// namespace PID 1 cannot be killed by a signal it does not handle
	// (the kernel protects it), so the command runs as PID 2 under --init;
	// SIGKILL of PID 1 from the host is TestSIGKILLOfPID1.
	for _, c := range []struct {
		script string
		want   int
	}{
		{"kill -KILL $$", 137},
		{"kill -SEGV $$", 139},
		{"exit 3", 3},
	} {
		r := inRootfs(t, []string{"--init"}, "sh", "-c", c.script)
		if r.code != c.want {
			t.Errorf("%q: exit %d, want %d (stderr %q)", c.script, r.code, c.want, r.stderr)
		}
	}
}

// Runtime errors 125, not executable 126, not found 127; each with one
// line on stderr naming the step and the path.
func TestExitCodesForBadCommands(t *testing.T) {
	cases := []struct {
		name string
		cmd  []string
		want int
		msg  []string
	}{
		{"missing", []string{"/bin/nope"}, 127, []string{"command not found", "/bin/nope"}},
		{"missing-in-path", []string{"nope"}, 127, []string{"command not found", "nope"}},
		{"not-executable", []string{"/etc/passwd"}, 126, []string{"not executable", "/etc/passwd"}},
		{"directory", []string{"/bin"}, 126, []string{"not executable", "/bin"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t)
			r := inRootfs(t, nil, c.cmd...)
			if r.code != c.want {
				t.Errorf("exit %d, want %d", r.code, c.want)
			}
			checkOneLine(t, r.stderr, c.msg...)
			before.assertClean(t, "")
		})
	}
}

func checkOneLine(t *testing.T, stderr string, words ...string) {
	t.Helper()
	if strings.Count(stderr, "\n") != 1 || !strings.HasPrefix(stderr, "mycontainer: ") {
		t.Errorf("want one line starting with \"mycontainer: \", got %q", stderr)
	}
	for _, w := range words {
		if !strings.Contains(stderr, w) {
			t.Errorf("stderr %q lacks %q", stderr, w)
		}
	}
}
