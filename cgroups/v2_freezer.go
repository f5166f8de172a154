package cgroups

import (
	"path/filepath"
)

// v2's freezer is in every cgroup (kernel 5.2+): cgroup.freeze holds the
// request, and cgroup.events says "frozen 1" once every task in the
// subtree has stopped.

func (m *v2Manager) Freeze() error {
	if err := runWrites(m.fs, []limitWrite{{Step: "freeze", Path: filepath.Join(m.Path(), "cgroup.freeze"), Value: "1"}}); err != nil {
		return err
	}
	events := filepath.Join(m.Path(), "cgroup.events")
	dl := newDeadline(FreezeSettle)
	for {
		ev, err := readEvents(m.fs, events)
		if err != nil {
			return stepErr("wait for freeze", err, "")
		}
		if ev["frozen"] == "1" || !dl.wait() {
			return nil // see FreezeSettle
		}
	}
}

func (m *v2Manager) Thaw() error {
	return runWrites(m.fs, []limitWrite{{Step: "thaw", Path: filepath.Join(m.Path(), "cgroup.freeze"), Value: "0"}})
}

// Frozen reads the request, cgroup.freeze: a paused container is one
// that was asked to freeze, as `state` has always reported it.
func (m *v2Manager) Frozen() (bool, error) {
	s, err := readTrim(m.fs, filepath.Join(m.Path(), "cgroup.freeze"))
	if err != nil {
		return false, stepErr("read freezer state", err, "")
	}
	return s == "1", nil
}

// CheckNotFrozen reads cgroup.freeze at every level: a cgroup's own
// request, which its children obey even with their own at 0.
func (m *v2Manager) CheckNotFrozen() error {
	return checkLevels(m.fs, m.mount, m.rel, "cgroup.freeze", "0")
}
