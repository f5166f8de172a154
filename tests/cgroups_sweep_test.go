package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"testing"

	"mycontainer/cgroups"
)

// A `run` SIGKILLed while it made its cgroup directories, one hierarchy
// after another (blkio, cpu, ... memory, ...), leaves its name in only
// the first few. The next run's sweep must find it there too, not only
// in the hierarchy it happens to list.
func TestSweepFindsDeadRunInAnyHierarchy(t *testing.T) {
	parent := cgroupParent(t)
	mode := cgroupMode(t)
	probe, err := cgroups.New(mode, parent, "probe", nil)
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, p := range probe.Paths() {
		dirs = append(dirs, filepath.Dir(p))
	}
	sort.Strings(dirs)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("run-%d-%d", dead.ProcessState.Pid(), 1)
	// Only in the first hierarchy (on v2 the only one): not in memory.
	leak := filepath.Join(dirs[0], name)
	if err := os.MkdirAll(leak, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(leak) })
	if r := inRootfs(t, withCgroup(parent), "true"); r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(leak); !os.IsNotExist(err) {
		t.Errorf("the next run did not sweep the dead run's cgroup %s (%v)", leak, err)
	}
}
