package cgroups

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// The freezer, for pause and resume and for the frozen-cgroup check
// before a start: v1's freezer.state (THAWED, FREEZING, FROZEN) in the
// freezer hierarchy, v2's cgroup.freeze (0 or 1) in every cgroup, whose
// progress cgroup.events reports as "frozen 0/1".

// FreezeSettle bounds Freeze's wait for the freeze to complete. Freezing
// is asynchronous: the kernel stops each task at its next return to user
// space, so a task in an uninterruptible sleep delays it. After the wait
// Freeze returns nil even if the freeze is still under way (the kernel
// goes on with it); Frozen tells the state.
var FreezeSettle = time.Second

// FrozenError says that a process started into the cgroup would stop at
// once: the cgroup, or one of its ancestors, is frozen.
type FrozenError struct {
	Cgroup string // <parent>/<id>
	File   string // the freezer file that says frozen
	Value  string // what it says: FROZEN or FREEZING on v1, 1 on v2
	Thaw   string // the value that thaws it: THAWED on v1, 0 on v2
	// Own: File is the cgroup's own, not an ancestor's.
	Own bool
	// Paused is set by a caller that knows the cgroup is a running
	// container's (exec): it was frozen by pause, and resume is the way.
	Paused bool
}

func (e *FrozenError) Error() string {
	what := "cgroup " + e.Cgroup + " is under a frozen cgroup:"
	if e.Own {
		what = "cgroup " + e.Cgroup + " is frozen:"
	}
	hint := "thaw it first"
	if e.Own && e.Paused {
		hint = "the container is paused; resume it first"
	}
	return fmt.Sprintf("%s %s is %s, so the container's first process would stop at once and never start; %s (write %s there, or mycontainer resume ID)",
		what, e.File, e.Value, hint, e.Thaw)
}

// checkLevels reads file at every level from mount down to mount/rel, as
// a parent's freeze covers its children: a task that enters a frozen
// cgroup (its own or under a frozen ancestor) is stopped by the kernel at
// once. A level whose file cannot be read does not exist yet (or the
// hierarchy lacks the file) and cannot be frozen. The mount itself is
// skipped: the root cgroup cannot be frozen.
func checkLevels(fs fsOps, mount, rel, file, thawed string) error {
	p := mount
	comps := strings.Split(rel, "/")
	for i, name := range comps {
		p = filepath.Join(p, name)
		f := filepath.Join(p, file)
		v, err := readTrim(fs, f)
		if err != nil {
			continue
		}
		if v != thawed {
			return &FrozenError{Cgroup: rel, File: f, Value: v, Thaw: thawed, Own: i == len(comps)-1}
		}
	}
	return nil
}
