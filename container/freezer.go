package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The freezer, for pause and resume: v1's freezer.state, v2's
// cgroup.freeze.

func freezerFile(cg *Cgroup) (string, string, string) {
	if cg.Mode.IsV2() {
		return filepath.Join(cg.Manager().Path(), "cgroup.freeze"), "1", "0"
	}
	return filepath.Join(cg.Manager().Paths()["freezer"], "freezer.state"), "FROZEN", "THAWED"
}

func frozen(cg *Cgroup) bool {
	f, on, _ := freezerFile(cg)
	b, err := os.ReadFile(f)
	return err == nil && strings.TrimSpace(string(b)) == on
}

func setFrozen(cg *Cgroup, on bool) error {
	f, yes, no := freezerFile(cg)
	v := no
	if on {
		v = yes
	}
	if err := writeFile(f, v); err != nil {
		return fmt.Errorf("write %s to %s: %w", v, f, err)
	}
	// v1 freezing is asynchronous (FREEZING until every task stops).
	for i := 0; on && i < 500 && !frozen(cg); i++ {
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

func thaw(cg *Cgroup) {
	if frozen(cg) {
		_ = setFrozen(cg, false) // Remove reports what still fails
	}
}

func cgroupPids(cg *Cgroup) ([]int, error) {
	f := filepath.Join(cg.Manager().Path(), "cgroup.procs")
	b, err := os.ReadFile(f)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", f, err)
	}
	var pids []int
	for _, l := range strings.Fields(string(b)) {
		if pid, err := strconv.Atoi(l); err == nil {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}
