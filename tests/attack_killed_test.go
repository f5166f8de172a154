package tests

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"mycontainer/cgroups"
	"mycontainer/state"
)

// A create SIGKILLed before init reported leaves a container in state
// "creating" with pid 0. delete used to kill(0, SIGKILL) it: that is the
// caller's whole process group (the engine, the shim, the script), and
// the container could never be deleted. The delete runs here in a process
// group with a canary; the "creating" container has a process in its
// cgroup, which delete must kill, and a cgroup, which it must remove.
func TestAttackDeleteCreatingKillsCallerGroup(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "half", []string{"true"}, nil)
	config, err := os.ReadFile(filepath.Join(b, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	mode := cgroupMode(t)
	cg, err := cgroups.New(mode, e.parent, "half", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cg.Create(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cg.Kill(); cg.Destroy() })
	orphan := exec.Command("sleep", "1000")
	if err := orphan.Start(); err != nil {
		t.Fatal(err)
	}
	defer orphan.Process.Kill()
	if err := cg.AddProc(orphan.Process.Pid); err != nil {
		t.Fatal(err)
	}
	store := &state.Store{Root: e.root}
	st := &state.State{ID: "half", Bundle: b, Rootfs: e.rootfs, CgroupMode: mode.String(), CgroupParent: e.parent, CgroupID: "half", Config: config}
	if err := store.Create(st); err != nil {
		t.Fatal(err)
	}

	canaryFile := filepath.Join(t.TempDir(), "canary")
	script := fmt.Sprintf(`sleep 1000 & echo $! > %s; exec "$0" --root %s delete --force half`, canaryFile, e.root)
	del := exec.Command("sh", "-c", script, binary)
	del.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A file, not a pipe: the canary would hold a pipe open.
	stderr, err := os.Create(filepath.Join(t.TempDir(), "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer stderr.Close()
	del.Stderr = stderr
	err = del.Run()
	b2, _ := os.ReadFile(canaryFile)
	canary, _ := strconv.Atoi(strings.TrimSpace(string(b2)))
	if canary > 0 {
		defer syscall.Kill(canary, syscall.SIGKILL)
	}
	if err != nil {
		msg, _ := os.ReadFile(stderr.Name())
		t.Errorf("delete --force of a creating container: %v (%s)", err, msg)
	}
	if canary <= 0 || syscall.Kill(canary, 0) != nil {
		t.Errorf("delete killed a process of its caller's group (canary %d)", canary)
	}
	if _, err := os.Stat(store.Dir("half")); !os.IsNotExist(err) {
		t.Errorf("state left: %v", err)
	}
	if d := childCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
	if werr := orphan.Wait(); werr == nil {
		t.Error("the process in the creating container's cgroup was not killed")
	}
}

// 200 creates SIGKILLed at random moments, each followed by a delete
// --force SIGKILLed at random moments too, then one delete --force of
// everything list shows: nothing may remain (no state directory, no
// cgroup, no process). Before: 144 state dirs, 506 cgroups, 8 inits.
func TestAttackKilledCreatesAndDeletesLeaveNothing(t *testing.T) {
	n := 200
	if s := os.Getenv("MYCONTAINER_SOAK_N"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	e := newOCIEnv(t)
	killAt := func(args []string, max time.Duration) {
		cmd := exec.Command(binary, append([]string{"--root", e.root}, args...)...)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(rand.N(max))
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	}
	for i := range n {
		// One cgroup per container, as engines do: in the test parent.
		id := fmt.Sprintf("k%d", i)
		bb := e.bundle(t, id, []string{"sleep", "1000"}, nil)
		killAt([]string{"create", "--bundle", bb, id}, 40*time.Millisecond)
		killAt([]string{"delete", "--force", id}, 15*time.Millisecond)
	}
	for _, id := range strings.Fields(e.oci(t, "list", "-q").stdout) {
		if r := e.oci(t, "delete", "--force", id); r.code != 0 {
			t.Errorf("delete --force %s: exit %d: %s", id, r.code, r.stderr)
		}
	}
	ents, _ := os.ReadDir(e.root)
	for _, ent := range ents {
		t.Errorf("state left: %s", ent.Name())
	}
	if d := childCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("%d cgroups left: %v", len(d), d)
	}
	// SIGKILLed inits are reaped by the host's init, which on a loaded
	// machine takes a moment; until then a zombie still shows its cgroup
	// path. Wait for them, then count.
	deadline := time.Now().Add(15 * time.Second)
	for len(processesInCgroup(e.parent)) != 0 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if p := processesInCgroup(e.parent); len(p) != 0 {
		t.Errorf("processes left: %v", p)
	}
}

// processesInCgroup lists the PIDs whose cgroup path contains parent.
func processesInCgroup(parent string) []string {
	var pids []string
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "cgroup"))
		if err == nil && bytes.Contains(b, []byte("/"+parent+"/")) {
			pids = append(pids, ent.Name())
		}
	}
	return pids
}

// childCgroups lists every child cgroup of parent, in any hierarchy.
func childCgroups(t *testing.T, parent string) []string {
	t.Helper()
	names, err := cgroups.Children(cgroupMode(t), parent)
	if err != nil {
		t.Fatal(err)
	}
	return names
}
