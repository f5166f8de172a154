package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mycontainer/cgroups"
)

// containerCgroupDirs are the directories of an OCI env's container id,
// by controller ("" on v2, "unified" for a hybrid host's v2 one).
func containerCgroupDirs(t *testing.T, e *ociEnv, id string) map[string]string {
	t.Helper()
	m, err := cgroups.New(cgroupMode(t), e.parent, id, nil)
	if err != nil {
		t.Fatal(err)
	}
	return m.Paths()
}

// inProcs says whether pid is listed in dir's cgroup.procs.
func inProcs(t *testing.T, dir string, pid int) bool {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(b)) {
		if f == strconv.Itoa(pid) {
			return true
		}
	}
	return false
}

func readPidFile(t *testing.T, path string) int {
	t.Helper()
	pid, err := strconv.Atoi(strings.TrimSpace(readFile(t, path)))
	if err != nil {
		t.Fatalf("pid file %s: %v", path, err)
	}
	return pid
}

// runc exec(8): "--cgroup value: run the process in an (existing)
// sub-cgroup(s). Format is [<controller>:]<cgroup>." The path is below
// the container's own cgroup; one that leaves it is refused.
func TestRuncExecSubCgroup(t *testing.T) {
	e := newOCIEnv(t)
	runDetached(t, e, "sc", e.bundle(t, "sc", []string{"sleep", "1000"}, nil))
	dirs := containerCgroupDirs(t, e, "sc")
	for c, d := range dirs {
		if err := os.MkdirAll(filepath.Join(d, "sub"), 0o755); err != nil {
			t.Fatal(err)
		}
		if c == "cpuset" && cgroupMode(t) != cgroups.Unified {
			// A v1 cpuset takes no process until it has CPUs and nodes.
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				writeFile(t, filepath.Join(d, "sub", f), readFile(t, filepath.Join(d, f)))
			}
		}
	}
	// Every hierarchy: the process is in sub, not in the container's own.
	pidFile := filepath.Join(t.TempDir(), "pid")
	if r := e.oci(t, "exec", "-d", "--pid-file", pidFile, "--cgroup", "sub", "sc", "sleep", "1000"); r.code != 0 {
		t.Fatalf("exec --cgroup sub: exit %d: %s", r.code, r.stderr)
	}
	pid := readPidFile(t, pidFile)
	for c, d := range dirs {
		if !inProcs(t, filepath.Join(d, "sub"), pid) || inProcs(t, d, pid) {
			t.Errorf("exec --cgroup sub: pid %d is not in %s's sub-cgroup %s/sub alone", pid, c, d)
		}
	}
	// As the container sees it: /sub under its cgroup namespace's root.
	r := e.oci(t, "exec", "--cgroup", "/sub", "sc", "cat", "/proc/self/cgroup")
	if r.code != 0 || !strings.Contains(r.stdout, ":/sub\n") {
		t.Errorf("exec --cgroup /sub: exit %d, /proc/self/cgroup %q %s", r.code, r.stdout, r.stderr)
	}
	// v1: CONTROLLER:PATH moves the process in that hierarchy only.
	if cgroupMode(t) != cgroups.Unified {
		pidFile := filepath.Join(t.TempDir(), "pid")
		if r := e.oci(t, "exec", "-d", "--pid-file", pidFile, "--cgroup", "pids:sub", "sc", "sleep", "1000"); r.code != 0 {
			t.Fatalf("exec --cgroup pids:sub: exit %d: %s", r.code, r.stderr)
		}
		pid := readPidFile(t, pidFile)
		if !inProcs(t, filepath.Join(dirs["pids"], "sub"), pid) {
			t.Errorf("exec --cgroup pids:sub: pid %d not in %s/sub", pid, dirs["pids"])
		}
		if !inProcs(t, dirs["memory"], pid) {
			t.Errorf("exec --cgroup pids:sub: pid %d left the container's memory cgroup %s", pid, dirs["memory"])
		}
	}
	// Refused, with exec's exit code, and nothing run.
	for _, c := range []struct{ arg, want string }{
		{"../escape", "leaves the container's cgroup"},
		{"sub/../../..", "leaves the container's cgroup"},
		{"nosuch", "does not exist"},
		{"nosuchcontroller:sub", "nosuchcontroller"},
	} {
		if cgroupMode(t) == cgroups.Unified && strings.Contains(c.arg, ":") {
			c.want = "one hierarchy"
		}
		r := e.oci(t, "exec", "--cgroup", c.arg, "sc", "sh", "-c", "echo RAN")
		if r.code != 255 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stdout, "RAN") {
			t.Errorf("exec --cgroup %s: exit %d %q %q; want 255 and %q", c.arg, r.code, r.stdout, r.stderr, c.want)
		}
	}
}

// runc exec(8): "--ignore-paused: allow exec in a paused container".
// Without it the exec is refused; with it the process is created in the
// container's cgroup and frozen with the container, and runs on resume.
func TestRuncExecIgnorePaused(t *testing.T) {
	e := newOCIEnv(t)
	runDetached(t, e, "pz", e.bundle(t, "pz", []string{"sleep", "1000"}, nil))
	initPID := ociPid(t, e, "pz")
	if r := e.oci(t, "pause", "pz"); r.code != 0 {
		t.Fatalf("pause: %s", r.stderr)
	}
	if r := e.oci(t, "exec", "pz", "true"); r.code != 255 || !strings.Contains(r.stderr, "--ignore-paused") {
		t.Errorf("exec in a paused container: exit %d %q; want 255 and the --ignore-paused hint", r.code, r.stderr)
	}
	pidFile := filepath.Join(t.TempDir(), "pid")
	r := runWithin(t, 20*time.Second, "--root", e.root, "exec", "-d", "--ignore-paused", "--pid-file", pidFile,
		"pz", "sh", "-c", "echo ran > /dev/shm/ran")
	if r.code != 0 {
		t.Fatalf("exec -d --ignore-paused: exit %d: %s", r.code, r.stderr)
	}
	pid := readPidFile(t, pidFile)
	for c, d := range containerCgroupDirs(t, e, "pz") {
		if !inProcs(t, d, pid) {
			t.Errorf("the exec'd pid %d is not in the container's %s cgroup %s", pid, c, d)
		}
	}
	ran := filepath.Join("/proc", strconv.Itoa(initPID), "root/dev/shm/ran")
	time.Sleep(200 * time.Millisecond) // a process that is not frozen would have run by now
	if _, err := os.Stat(ran); err == nil {
		t.Errorf("the exec'd command ran while the container was paused")
	}
	if st := e.status(t, "pz"); st != "paused" {
		t.Errorf("state after the exec: %q, want paused", st)
	}
	// A foreground exec waits, frozen, until resume, then returns the
	// command's output and status.
	done := make(chan result, 1)
	go func() {
		done <- runWithin(t, 30*time.Second, "--root", e.root, "exec", "--ignore-paused", "pz", "sh", "-c", "echo fg; exit 3")
	}()
	select {
	case r := <-done:
		t.Fatalf("a foreground exec into the paused container returned before resume: exit %d %q %q", r.code, r.stdout, r.stderr)
	case <-time.After(500 * time.Millisecond):
	}
	if r := e.oci(t, "resume", "pz"); r.code != 0 {
		t.Fatalf("resume: %s", r.stderr)
	}
	waitFor(t, "the detached exec to run after resume", func() bool {
		_, err := os.Stat(ran)
		return err == nil
	})
	if r := <-done; r.code != 3 || r.stdout != "fg\n" {
		t.Errorf("foreground exec --ignore-paused after resume: exit %d %q %q; want 3 and fg", r.code, r.stdout, r.stderr)
	}
	if got := e.oci(t, "exec", "--ignore-paused", "pz", "echo", "running"); got.stdout != "running\n" {
		t.Errorf("exec --ignore-paused in a running container: %q %q", got.stdout, got.stderr)
	}
}

// An exec into a paused container sets itself up outside the frozen
// cgroup, a new host-to-container path: SIGKILL its runtime at moments
// spread over the start and count what is left. Every process carrying
// the exec's marker must be in the container's cgroup (where delete
// reaches it) or gone, and delete --force leaves none at all.
func TestRuncExecIgnorePausedKilled(t *testing.T) {
	e := newOCIEnv(t)
	runDetached(t, e, "pk", e.bundle(t, "pk", []string{"sleep", "1000"}, nil))
	if r := e.oci(t, "pause", "pk"); r.code != 0 {
		t.Fatalf("pause: %s", r.stderr)
	}
	dirs := containerCgroupDirs(t, e, "pk")
	mark := marker()
	for i, delay := range []time.Duration{0, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 300 * time.Millisecond} {
		cmd := exec.Command(binary, "--root", e.root, "exec", "--ignore-paused", "pk", "sleep", mark)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		time.Sleep(100 * time.Millisecond) // an init that saw its runtime go exits
		for _, p := range processesWith(mark) {
			pid, _ := strconv.Atoi(p)
			if !inProcs(t, dirs["memory"]+dirs[""], pid) {
				t.Errorf("kill %d (after %v): process %s of the exec is outside the container's cgroup", i, delay, p)
			}
		}
	}
	if r := e.oci(t, "delete", "--force", "pk"); r.code != 0 {
		t.Fatalf("delete --force: %s", r.stderr)
	}
	waitFor(t, "the exec's processes to go with the container", func() bool { return len(processesWith(mark)) == 0 })
}
