package cgroups

// Tests against the real cgroupfs of the machine running them. They
// create cgroups only under parents named mycontainer-test-cg<pid>-<name>,
// put only processes they start there, kill only those by PID, and remove
// everything in t.Cleanup, also when they fail. They are written for any
// mode, so the v2 VM harness can run them too.

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const helperEnv = "MYCONTAINER_CGROUPS_TEST_HELPER"

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "hog":
		// Wait until the test has moved us into the cgroup, then touch
		// far more memory than the limit.
		bufio.NewReader(os.Stdin).ReadString('\n')
		var keep [][]byte
		for i := 0; i < 256; i++ {
			b := make([]byte, 1<<20)
			for j := 0; j < len(b); j += 4096 {
				b[j] = 1
			}
			keep = append(keep, b)
		}
		fmt.Println("survived", len(keep))
		os.Exit(0)
	}
	os.Exit(3)
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// child is a process the test started; Cleanup kills it by its PID and
// reaps it.
type child struct {
	cmd   *exec.Cmd
	stdin *os.File
	once  sync.Once
	done  chan struct{}
	err   error
}

func start(t *testing.T, reap bool, env []string, name string, args ...string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(name, args...), done: make(chan struct{})}
	c.cmd.Env = append(os.Environ(), env...)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	c.cmd.Stdin, c.stdin = r, w
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r.Close()
	t.Cleanup(func() {
		c.stdin.Close()
		select {
		case <-c.done:
			return
		default:
		}
		c.cmd.Process.Kill() // by PID: our own child, maybe already dead
		c.wait()
	})
	if reap {
		go c.wait()
	}
	return c
}

// wait reaps the child once; other callers block until it is reaped.
func (c *child) wait() {
	c.once.Do(func() {
		c.err = c.cmd.Wait()
		close(c.done)
	})
	<-c.done
}

func (c *child) waitTimeout(t *testing.T, d time.Duration) error {
	t.Helper()
	select {
	case <-c.done:
		return c.err
	case <-time.After(d):
		t.Fatalf("pid %d did not exit within %v", c.cmd.Process.Pid, d)
		return nil
	}
}

func killedBySIGKILL(err error) bool {
	ee, ok := err.(*exec.ExitError)
	if !ok {
		return false
	}
	ws, ok := ee.Sys().(syscall.WaitStatus)
	return ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
}

// hostManager makes a manager under a parent of this test's own and
// registers the clean-up: kill, destroy, remove the parent, and check
// nothing is left.
func hostManager(t *testing.T, res *Resources) (Manager, Mode, string) {
	t.Helper()
	needRoot(t)
	mode, err := DetectMode()
	if err != nil {
		t.Fatal(err)
	}
	parent := fmt.Sprintf("mycontainer-test-cg%d-%s", os.Getpid(), strings.ToLower(strings.TrimPrefix(t.Name(), "TestHost")))
	m, err := New(mode, parent, "c1", res)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := m.Kill(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if err := m.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if err := RemoveParent(mode, parent); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		dirs, err := parentDirs(mode, parent)
		if err != nil {
			t.Error(err)
		}
		for _, d := range dirs {
			if _, err := os.Stat(d); !os.IsNotExist(err) {
				t.Errorf("cleanup: %s still exists (%v)", d, err)
			}
		}
	})
	return m, mode, parent
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func procStatus(t *testing.T, pid int, key string) string {
	t.Helper()
	for _, l := range strings.Split(readFile(t, fmt.Sprintf("/proc/%d/status", pid)), "\n") {
		if v, ok := strings.CutPrefix(l, key+":"); ok {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %s in /proc/%d/status", key, pid)
	return ""
}

func TestHostDetectMode(t *testing.T) {
	mode, err := DetectMode()
	if err != nil {
		t.Fatal(err)
	}
	// Work out the expected answer from mountinfo, independently of the
	// statfs magic.
	fstype := map[string]string{}
	for _, l := range strings.Split(readFile(t, "/proc/self/mountinfo"), "\n") {
		f := strings.Fields(l)
		for i := range f {
			if f[i] == "-" && i+1 < len(f) {
				fstype[f[4]] = f[i+1]
			}
		}
	}
	want := Legacy
	switch {
	case fstype["/sys/fs/cgroup"] == "cgroup2":
		want = Unified
	case fstype["/sys/fs/cgroup/unified"] == "cgroup2":
		want = Hybrid
	}
	if mode != want {
		t.Fatalf("DetectMode() = %v, mountinfo says %v", mode, want)
	}
	t.Logf("mode: %v", mode)
}

func TestHostLifecycle(t *testing.T) {
	res := &Resources{Memory: 64 << 20, PidsLimit: 32, CPUQuota: 50000, CPUShares: 512, CpusetCpus: "0"}
	m, mode, parent := hostManager(t, res)
	c := start(t, true, nil, "sleep", "100")
	pid := c.cmd.Process.Pid
	if err := m.Apply(pid); err != nil {
		t.Fatal(err)
	}

	// The process is in the cgroup in every hierarchy we manage.
	rel := "/" + parent + "/c1"
	lines := readFile(t, fmt.Sprintf("/proc/%d/cgroup", pid))
	if mode.IsV2() {
		if !strings.Contains(lines, "0::"+rel+"\n") && !strings.HasSuffix(lines, "0::"+rel) {
			t.Errorf("/proc/%d/cgroup:\n%s", pid, lines)
		}
		if got := readFile(t, filepath.Join(m.Path(), "memory.max")); got != "67108864" {
			t.Errorf("memory.max = %s", got)
		}
	} else {
		for _, ctrl := range []string{"memory", "pids", "cpu", "cpuacct", "cpuset", "freezer", "blkio", "devices"} {
			found := false
			for _, l := range strings.Split(lines, "\n") {
				f := strings.SplitN(l, ":", 3)
				if len(f) == 3 && strings.Contains(","+f[1]+",", ","+ctrl+",") && f[2] == rel {
					found = true
				}
			}
			if !found {
				t.Errorf("%s: not in %s:\n%s", ctrl, rel, lines)
			}
		}
		p := m.Paths()
		for file, want := range map[string]string{
			filepath.Join(p["memory"], "memory.limit_in_bytes"): "67108864",
			filepath.Join(p["pids"], "pids.max"):                "32",
			filepath.Join(p["cpu"], "cpu.cfs_quota_us"):         "50000",
			filepath.Join(p["cpu"], "cpu.shares"):               "512",
			filepath.Join(p["cpuset"], "cpuset.cpus"):           "0",
		} {
			if got := readFile(t, file); got != want {
				t.Errorf("%s = %s, want %s", file, got, want)
			}
		}
	}
	if got := procStatus(t, pid, "Cpus_allowed_list"); got != "0" {
		t.Errorf("Cpus_allowed_list = %s, want 0", got)
	}

	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.PidsCurrent != 1 || s.MemoryLimit != 64<<20 || s.OOMKills != 0 {
		t.Errorf("Stats = %+v", s)
	}
	t.Logf("stats: %+v", s)
	if oom, err := m.OOMKills(); err != nil || oom != 0 {
		t.Errorf("OOMKills = %v, %v", oom, err)
	}

	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := c.waitTimeout(t, 5*time.Second); !killedBySIGKILL(err) {
		t.Errorf("sleep ended with %v, want SIGKILL", err)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for ctrl, d := range m.Paths() {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s: %s still exists", ctrl, d)
		}
	}
}

// A killed child that its parent has not reaped yet is a zombie. It has
// left cgroup.procs (v1 and v2 list live tasks only), so Kill returns and
// Destroy can remove the cgroup before the runtime's wait(2).
func TestHostDestroyBeforeReap(t *testing.T) {
	m, _, _ := hostManager(t, &Resources{PidsLimit: 10})
	c := start(t, false, nil, "sleep", "100") // not reaped until c.wait
	pid := c.cmd.Process.Pid
	if err := m.Apply(pid); err != nil {
		t.Fatal(err)
	}
	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	if st := procStatus(t, pid, "State"); !strings.HasPrefix(st, "Z") {
		t.Fatalf("State = %s, want a zombie", st)
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("pids.current with one unreaped zombie: %d", s.PidsCurrent)
	if err := m.Destroy(); err != nil {
		t.Fatalf("Destroy with an unreaped zombie: %v", err)
	}
	c.wait()
	if !killedBySIGKILL(c.err) {
		t.Errorf("sleep ended with %v", c.err)
	}
}

func TestHostKillTree(t *testing.T) {
	m, _, _ := hostManager(t, &Resources{PidsLimit: 10})
	c := start(t, true, nil, "sh", "-c", "read x; sleep 100 & sleep 100 & wait")
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	c.stdin.WriteString("go\n")
	var pids []int
	dl := newDeadline(5 * time.Second)
	for {
		var err error
		if pids, err = readPids(hostFS{}, filepath.Join(ctrlDir(m, "memory"), "cgroup.procs")); err != nil {
			t.Fatal(err)
		}
		if len(pids) == 3 || !dl.wait() {
			break
		}
	}
	if len(pids) != 3 {
		t.Fatalf("cgroup.procs = %v, want sh and two sleeps", pids)
	}
	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := c.waitTimeout(t, 5*time.Second); !killedBySIGKILL(err) {
		t.Errorf("sh ended with %v", err)
	}
	for ctrl, d := range m.Paths() {
		if got, err := readPids(hostFS{}, filepath.Join(d, "cgroup.procs")); err != nil || len(got) != 0 {
			t.Errorf("%s: cgroup.procs = %v, %v after Kill", ctrl, got, err)
		}
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
}

// ctrlDir is the directory holding ctrl's files: its hierarchy on v1,
// the one directory on v2.
func ctrlDir(m Manager, ctrl string) string {
	if d, ok := m.Paths()[""]; ok {
		return d
	}
	return m.Paths()[ctrl]
}

func TestHostOOMKill(t *testing.T) {
	m, _, _ := hostManager(t, &Resources{Memory: 32 << 20})
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	c := start(t, true, []string{helperEnv + "=hog"}, exe)
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	c.stdin.WriteString("go\n")
	if err := c.waitTimeout(t, 20*time.Second); !killedBySIGKILL(err) {
		t.Fatalf("hog ended with %v, want SIGKILL by the OOM killer", err)
	}
	oom, err := m.OOMKills()
	if err != nil || oom == 0 {
		t.Errorf("OOMKills = %v, %v", oom, err)
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.OOMKills < 1 || s.MemoryLimit != 32<<20 {
		t.Errorf("Stats = %+v", s)
	}
	t.Logf("stats after OOM: %+v", s)
}

func TestHostPidsLimit(t *testing.T) {
	m, _, _ := hostManager(t, &Resources{PidsLimit: 8})
	c := start(t, true, nil, "sh", "-c", `read x; i=0; while [ $i -lt 30 ]; do sleep 100 & i=$((i+1)); done; wait`)
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	c.stdin.WriteString("go\n")
	time.Sleep(300 * time.Millisecond)
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.PidsCurrent == 0 || s.PidsCurrent > 8 {
		t.Errorf("pids.current = %d with pids.max 8", s.PidsCurrent)
	}
	events := filepath.Join(ctrlDir(m, "pids"), "pids.events")
	ev, err := readKeyed(hostFS{}, events)
	if err != nil {
		t.Fatal(err)
	}
	if ev["max"] == 0 {
		t.Errorf("%s: max = 0, the limit was never hit", events)
	}
	t.Logf("pids.current %d, fork failures %d", s.PidsCurrent, ev["max"])
}

func TestHostCPUQuota(t *testing.T) {
	m, _, _ := hostManager(t, &Resources{CPUQuota: 20000, CPUPeriod: 100000})
	c := start(t, true, nil, "sh", "-c", "read x; while :; do :; done")
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	before, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	c.stdin.WriteString("go\n")
	const wall = 500 * time.Millisecond
	time.Sleep(wall)
	after, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	used := time.Duration(after.CPUUsageNs - before.CPUUsageNs)
	// 20% of one CPU for 500ms is 100ms; loose bounds (the first period
	// may start with a full quota, and scheduling is coarse).
	if used < 25*time.Millisecond || used > 250*time.Millisecond {
		t.Errorf("busy loop used %v of CPU in %v under a 20%% quota", used, wall)
	}
	t.Logf("busy loop used %v of CPU in %v under --cpus 0.2", used, wall)
}

func TestHostSweep(t *testing.T) {
	m, mode, parent := hostManager(t, nil)
	// A stale cgroup: created, never joined (as after a SIGKILLed run).
	stale, err := New(mode, parent, "stale", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := stale.Destroy(); err != nil {
			t.Error(err)
		}
	})
	if err := stale.Create(); err != nil {
		t.Fatal(err)
	}
	c := start(t, true, nil, "sleep", "100")
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	// The default grace keeps a just-created cgroup.
	if err := Sweep(mode, parent); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(stale.Path()); err != nil {
		t.Fatalf("Sweep removed a young cgroup: %v", err)
	}
	if err := SweepOlderThan(mode, parent, 0); err != nil {
		t.Fatal(err)
	}
	for ctrl, d := range stale.Paths() {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("stale %s cgroup %s not swept", ctrl, d)
		}
	}
	for ctrl, d := range m.Paths() {
		if _, err := os.Stat(d); err != nil {
			t.Errorf("live %s cgroup %s swept: %v", ctrl, d, err)
		}
	}
}

func TestHostOpenFD(t *testing.T) {
	m, mode, _ := hostManager(t, nil)
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	fd, err := m.OpenFD()
	if mode.IsV2() {
		if err != nil {
			t.Fatal(err)
		}
		syscall.Close(fd)
	} else if err == nil {
		t.Fatal("OpenFD on v1 succeeded")
	}
}

// On a hybrid host the cgroup2 tree at /sys/fs/cgroup/unified has no
// controllers of interest, but its core files are real: this runs the v2
// manager's create, join (also through CLONE_INTO_CGROUP), stats,
// cgroup.kill and destroy against the kernel. Only directories under this
// test's own parent are made; no subtree_control is written, because the
// controllers it would ask for are not offered.
func TestHostV2CoreOnHybridUnified(t *testing.T) {
	needRoot(t)
	mode, err := DetectMode()
	if err != nil {
		t.Fatal(err)
	}
	if mode != Hybrid {
		t.Skipf("needs a hybrid host, this one is %v", mode)
	}
	mount := filepath.Join(DefaultMount, "unified")
	parent := fmt.Sprintf("mycontainer-test-cg%d-v2core", os.Getpid())
	parentDir := filepath.Join(mount, parent)
	m := newV2(hostFS{}, mount, parent+"/c1", Resources{})
	t.Cleanup(func() {
		if err := m.Kill(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if err := m.Destroy(); err != nil {
			t.Errorf("cleanup: %v", err)
		}
		if err := (hostFS{}).Rmdir(parentDir); err != nil && !isNotExist(err) {
			t.Errorf("cleanup: %v", err)
		}
		if _, err := os.Stat(parentDir); !os.IsNotExist(err) {
			t.Errorf("cleanup: %s still exists", parentDir)
		}
	})

	// A limit needs a controller this tree does not offer: a clear error,
	// and nothing written.
	bad := newV2(hostFS{}, mount, parent+"/c1", Resources{Memory: 64 << 20})
	wantErr(t, bad.Create(), "needs the memory controller", "hybrid host")

	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	fd, err := m.OpenFD()
	if err != nil {
		t.Fatal(err)
	}
	// Go's os/exec uses clone3 with CLONE_INTO_CGROUP for this.
	c := &child{cmd: exec.Command("sleep", "100"), done: make(chan struct{})}
	c.cmd.SysProcAttr = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: fd}
	if err := c.cmd.Start(); err != nil {
		syscall.Close(fd)
		t.Fatal(err)
	}
	syscall.Close(fd)
	t.Cleanup(func() { c.cmd.Process.Kill(); c.wait() })
	go c.wait()
	pid := c.cmd.Process.Pid
	want := "0::/" + parent + "/c1"
	if lines := readFile(t, fmt.Sprintf("/proc/%d/cgroup", pid)); !strings.Contains(lines+"\n", want+"\n") {
		t.Errorf("CLONE_INTO_CGROUP: /proc/%d/cgroup lacks %q:\n%s", pid, want, lines)
	}
	// AddProc of a second process.
	c2 := start(t, true, nil, "sleep", "100")
	if err := m.AddProc(c2.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	pids, err := readPids(hostFS{}, filepath.Join(m.Path(), "cgroup.procs"))
	if err != nil || len(pids) != 2 {
		t.Errorf("cgroup.procs = %v, %v", pids, err)
	}
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.MemoryLimit != -1 || s.PidsCurrent != 0 {
		t.Errorf("Stats without memory/pids controllers = %+v", s)
	}
	if _, err := m.OOMKills(); err == nil {
		t.Error("OOMKills without the memory controller succeeded")
	}
	if err := m.Kill(); err != nil { // cgroup.kill
		t.Fatal(err)
	}
	for _, ch := range []*child{c, c2} {
		if err := ch.waitTimeout(t, 5*time.Second); !killedBySIGKILL(err) {
			t.Errorf("sleep ended with %v, want SIGKILL", err)
		}
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(m.Path()); !os.IsNotExist(err) {
		t.Errorf("%s still exists", m.Path())
	}
}
