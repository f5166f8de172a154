package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"mycontainer/cgroups"
	"mycontainer/container"
)

// Every cgroup test uses its own parent, removed at the end, so the
// machine's other cgroups are never touched.
func cgroupParent(t *testing.T) string {
	t.Helper()
	parent := "mycontainer-test-" + marker()
	t.Cleanup(func() {
		mode, err := cgroups.DetectMode()
		if err != nil {
			t.Error(err)
			return
		}
		// A test that failed half-way may have left a dead run's cgroup.
		if err := container.SweepDeadRuns(mode, parent); err != nil {
			t.Errorf("sweep test parent cgroup: %v", err)
		}
		if err := cgroups.RemoveParent(mode, parent); err != nil {
			t.Errorf("remove test parent cgroup: %v", err)
		}
	})
	return parent
}

// containerCgroups lists the host directories of the cgroups under parent.
func containerCgroups(t *testing.T, parent string) []string {
	t.Helper()
	mode, err := cgroups.DetectMode()
	if err != nil {
		t.Fatal(err)
	}
	probe, err := cgroups.New(mode, parent, "probe", nil)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, p := range probe.Paths() {
		ents, _ := os.ReadDir(filepath.Dir(p))
		for _, e := range ents {
			if e.IsDir() && strings.HasPrefix(e.Name(), "run-") {
				dirs = append(dirs, filepath.Join(filepath.Dir(p), e.Name()))
			}
		}
	}
	return dirs
}

func withCgroup(parent string, flags ...string) []string {
	return append([]string{"--cgroup-parent", parent}, flags...)
}

// A memory hog is OOM-killed at --memory 32m: exit 137 and one line that
// says so and names the limit. The cgroup is gone afterwards.
func TestCgroupOOMKill(t *testing.T) {
	parent := cgroupParent(t)
	// busybox tail keeps the last lines; /dev/zero has no newline, so it
	// buffers without end.
	r := inRootfs(t, withCgroup(parent, "--memory", "32m"), "tail", "/dev/zero")
	if r.code != 137 {
		t.Errorf("exit %d, want 137; stderr %q", r.code, r.stderr)
	}
	checkOneLine(t, r.stderr, "OOM", "32 MiB", "--memory")
	if d := containerCgroups(t, parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
}

// --pids-limit 20 stops a fork bomb inside; the host is unharmed.
func TestCgroupPidsLimitStopsForkBomb(t *testing.T) {
	parent := cgroupParent(t)
	// The bomb runs in a subshell, which dies when fork fails; the rest
	// uses shell builtins only, since no process can be forked any more.
	script := `(i=0; while [ $i -lt 100 ]; do sleep 30 & i=$((i+1)); done) 2>/dev/null
set -- /proc/[0-9]*; echo procs=$#
for f in /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max; do [ -r $f ] && read m < $f && echo $m; done; true`
	r := inRootfs(t, withCgroup(parent, "--pids-limit", "20"), "sh", "-c", script)
	var procs int
	fmt.Sscanf(strings.TrimPrefix(strings.Split(r.stdout, "\n")[0], "procs="), "%d", &procs)
	if procs < 2 || procs > 20 {
		t.Errorf("%d processes in the container, want at most 20:\n%s%s", procs, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "\n20\n") {
		t.Errorf("pids.max inside is not 20:\n%s", r.stdout)
	}
	// The host can still start processes.
	if r2 := run(t, "--version"); r2.code != 0 {
		t.Errorf("host cannot start processes after the fork bomb: %v", r2)
	}
	if d := containerCgroups(t, parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
}

// --cpus 0.2 keeps a busy loop near 20% of one CPU, measured from the
// cgroup's own CPU accounting over the container's own clock. The script
// reads both with shell builtins only: forked helpers would be throttled
// and counted too (badly so in the emulated v2 VM).
func TestCgroupCPUQuota(t *testing.T) {
	parent := cgroupParent(t)
	script := `usage() {
  if [ -r /sys/fs/cgroup/cpu.stat ]; then read k u < /sys/fs/cgroup/cpu.stat; echo $((u * 1000));
  else for f in /sys/fs/cgroup/cpuacct/cpuacct.usage /sys/fs/cgroup/cpu,cpuacct/cpuacct.usage; do [ -r $f ] && read u < $f && echo $u; done; fi; }
clock() { read up idle < /proc/uptime; echo ${up%.*}${up#*.}; }
(while :; do :; done) & a=$(usage); t0=$(clock); sleep 2; b=$(usage); t1=$(clock); echo $((b - a)) $(( (t1 - t0) * 10000000 ))`
	r := inRootfs(t, withCgroup(parent, "--cpus", "0.2"), "sh", "-c", script)
	f := strings.Fields(r.stdout)
	if len(f) != 2 {
		t.Fatalf("bad output %q (stderr %q)", r.stdout, r.stderr)
	}
	used, err1 := strconv.ParseFloat(f[0], 64)
	elapsed, err2 := strconv.ParseFloat(f[1], 64)
	if err1 != nil || err2 != nil || elapsed <= 0 {
		t.Fatalf("bad output %q", r.stdout)
	}
	share := used / elapsed
	t.Logf("busy loop used %.0f%% of one CPU under --cpus 0.2 (%.0f ms in %.0f ms)", share*100, used/1e6, elapsed/1e6)
	// Only the bound the kernel guarantees: the quota caps the loop
	// whatever else runs (other packages' tests, other suites on this
	// 2-core machine), but a loaded machine can give it any share below
	// the cap, so there is no lower bound beyond "it ran". Without the
	// quota the loop takes a whole CPU on an idle machine and most of one
	// on a busy one.
	if used <= 0 || share > 0.28 {
		t.Errorf("busy loop used %.0f%% of a CPU, want at most the 20%% quota (and more than nothing)", share*100)
	}
}

// --cpuset-cpus pins the container to the CPUs it names.
func TestCgroupCpuset(t *testing.T) {
	parent := cgroupParent(t)
	r := inRootfs(t, withCgroup(parent, "--cpuset-cpus", "0"), "grep", "Cpus_allowed_list", "/proc/self/status")
	if f := strings.Fields(r.stdout); len(f) != 2 || f[1] != "0" {
		t.Errorf("Cpus_allowed_list = %q (stderr %q), want 0", r.stdout, r.stderr)
	}
}

// Inside, /sys/fs/cgroup is read-only and shows the container's own
// cgroup as the root (a cgroup namespace).
func TestCgroupNamespaceView(t *testing.T) {
	parent := cgroupParent(t)
	r := inRootfs(t, withCgroup(parent, "--memory", "64m"), "sh", "-c",
		"cat /proc/self/cgroup; mkdir /sys/fs/cgroup/x 2>&1; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null; true")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if f := strings.SplitN(l, ":", 3); len(f) == 3 && (strings.Contains(f[1], "memory") || f[1] == "") && f[2] != "/" {
			t.Errorf("cgroup path %q, want / inside the namespace", l)
		}
	}
	if !strings.Contains(r.stdout, "Read-only file system") {
		t.Errorf("/sys/fs/cgroup is writable:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "67108864") {
		t.Errorf("the container does not see its own 64 MiB limit:\n%s", r.stdout)
	}
}

// The cgroup is removed on every exit path: normal exit, a start-up
// error after it was created, SIGKILL of PID 1, and SIGKILL of the runtime
// (then the next run sweeps it).
func TestCgroupRemovedOnEveryExitPath(t *testing.T) {
	parent := cgroupParent(t)
	check := func(what string) {
		t.Helper()
		if d := containerCgroups(t, parent); len(d) != 0 {
			t.Errorf("%s: cgroups left: %v", what, d)
		}
	}
	inRootfs(t, withCgroup(parent, "--memory", "64m"), "true")
	check("normal exit")

	bad := minimalRootfs(t)
	if err := os.Symlink("/proc", filepath.Join(bad, "proc")); err != nil {
		t.Fatal(err)
	}
	if r := run(t, append(append([]string{"run", "--rootfs", bad}, withCgroup(parent, "--pids-limit", "50")...), "true")...); r.code != 125 {
		t.Errorf("hostile rootfs: exit %d", r.code)
	}
	check("start-up error")

	cmd, _ := startContainer(t, append(append([]string{"run", "--rootfs", rootfs}, withCgroup(parent)...), "--", "sh", "-c", "echo ready; exec sleep 100")...)
	pid := containerInit(t, cmd.Process.Pid)
	_ = syscall.Kill(pid, syscall.SIGKILL)
	if code := waitCode(t, cmd); code != 137 {
		t.Errorf("SIGKILL of PID 1: exit %d", code)
	}
	check("SIGKILL of PID 1")

	cmd, _ = startContainer(t, append(append([]string{"run", "--rootfs", rootfs}, withCgroup(parent)...), "--", "sh", "-c", "echo ready; exec sleep 100")...)
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	// The runtime died without removing its cgroup: the next run's sweep
	// has something to do, or this part of the test tests nothing.
	if d := containerCgroups(t, parent); len(d) == 0 {
		t.Error("no stale cgroup after SIGKILL of the runtime: nothing for the sweep to remove")
	}
	// The next run removes the dead run's cgroup while it runs.
	inRootfs(t, withCgroup(parent), "true")
	check("SIGKILL of the runtime, then another run")
}

func TestCgroupBadLimits(t *testing.T) {
	for _, c := range []struct {
		flags []string
		msg   string
	}{
		{[]string{"--memory", "abc"}, "--memory"},
		{[]string{"--memory", "-5m"}, "--memory"},
		{[]string{"--memory", "1k"}, "memory"},
		{[]string{"--memory", "64m", "--memory-swap", "32m"}, "swap"},
		{[]string{"--cpus", "-1"}, "--cpus"},
		{[]string{"--cpus", "lots"}, "--cpus"},
		{[]string{"--cpu-shares", "1"}, "shares"},
		{[]string{"--pids-limit", "0"}, "--pids-limit"},
		{[]string{"--pids-limit", "x"}, "--pids-limit"},
		{[]string{"--blkio-weight", "5"}, "blkio"},
		{[]string{"--cpuset-cpus", "0-x"}, "cpuset"},
	} {
		before := snapshot(t)
		r := inRootfs(t, c.flags, "true")
		if r.code != 125 {
			t.Errorf("%v: exit %d, want 125 (stderr %q)", c.flags, r.code, r.stderr)
		}
		checkOneLine(t, r.stderr, c.msg)
		before.assertClean(t, "")
	}
}
