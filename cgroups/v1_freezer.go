package cgroups

import (
	"fmt"
	"path/filepath"
)

// v1's freezer lives in its own hierarchy: freezer.state of the
// container's directory there. Writing FROZEN makes it FREEZING until
// every task has stopped, then FROZEN.

func (m *v1Manager) freezerState(step string) (string, error) {
	d := m.dir("freezer")
	if d == "" {
		return "", fmt.Errorf("cgroups: %s: no v1 freezer hierarchy is mounted (see /proc/self/mountinfo)", step)
	}
	return filepath.Join(d, "freezer.state"), nil
}

func (m *v1Manager) Freeze() error {
	state, err := m.freezerState("freeze")
	if err != nil {
		return err
	}
	if err := runWrites(m.fs, []limitWrite{{Step: "freeze", Path: state, Value: "FROZEN"}}); err != nil {
		return err
	}
	dl := newDeadline(FreezeSettle)
	for {
		s, err := readTrim(m.fs, state)
		if err != nil {
			return stepErr("wait for freeze", err, "")
		}
		if s == "FROZEN" || !dl.wait() {
			return nil // see FreezeSettle
		}
	}
}

func (m *v1Manager) Thaw() error {
	state, err := m.freezerState("thaw")
	if err != nil {
		return err
	}
	return runWrites(m.fs, []limitWrite{{Step: "thaw", Path: state, Value: "THAWED"}})
}

// Frozen is true once the freeze is complete; FREEZING is not frozen yet.
// Without a freezer hierarchy nothing can be frozen.
func (m *v1Manager) Frozen() (bool, error) {
	d := m.dir("freezer")
	if d == "" {
		return false, nil
	}
	s, err := readTrim(m.fs, filepath.Join(d, "freezer.state"))
	if err != nil {
		return false, stepErr("read freezer state", err, "")
	}
	return s == "FROZEN", nil
}

// CheckNotFrozen reads freezer.state at every level of the freezer
// hierarchy; FREEZING counts, the freeze is under way.
func (m *v1Manager) CheckNotFrozen() error {
	mount := m.mounts["freezer"]
	if mount == "" {
		return nil
	}
	return checkLevels(m.fs, mount, m.rel, "freezer.state", "THAWED")
}
