package tests

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// --debug prints every start-up step with its duration.
func TestDebugTimeline(t *testing.T) {
	r := inRootfs(t, []string{"--debug"}, "true")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, step := range []string{"parse", "spawn", "clone", "pivot_root", "/proc", "exec"} {
		found := false
		for _, l := range strings.Split(r.stderr, "\n") {
			f := strings.Fields(l)
			if len(f) >= 3 && strings.Join(f[2:], " ") == step {
				found = true
			}
		}
		if !found {
			t.Errorf("timeline lacks %q:\n%s", step, r.stderr)
		}
	}
}

// strace -f works through the runtime and shows clone and pivot_root.
func TestStraceShowsCloneAndPivot(t *testing.T) {
	strace, err := exec.LookPath("strace")
	if err != nil && os.Getenv("MYCONTAINER_TEST_BIN") != "" {
		t.Skip("strace is not in the cgroup v2 VM; the host run covers this test")
	}
	if err != nil {
		t.Fatal("strace is not installed: run `make deps`")
	}
	out, err := exec.Command(strace, "-f", "-s", "64", "-e", "trace=clone,clone3,pivot_root,prctl", binary, "run", "--rootfs", rootfs, "--", "echo", "traced").CombinedOutput()
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	s := string(out)
	// No closing parenthesis after pivot_root's arguments: when another
	// traced thread prints meanwhile, strace ends the line with
	// "<unfinished ...>" there.
	for _, want := range []string{"CLONE_NEWPID", "CLONE_NEWNS", "pivot_root(\".\", \".\"", "PR_SET_NAME, \"myc:[init]\"", "traced"} {
		if !strings.Contains(s, want) {
			t.Errorf("strace output lacks %q", want)
		}
	}
}
