package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Kill freezes the cgroup, SIGKILLs every process in it, and thaws it.
// Freezing first means no process can fork a new one between reading
// cgroup.procs and the kill. A frozen v1 task stays frozen (in D state,
// measured) even after SIGKILL until it is thawed, so the thaw is what
// lets the signals land; it is done on every path, or the processes would
// stay frozen forever. Without a freezer hierarchy, Kill repeats
// read-and-kill until the cgroup stays empty.
func (m *v1Manager) Kill() error {
	dirs, err := m.existingDirs()
	if err != nil || len(dirs) == 0 {
		return err // no cgroup left means no process left
	}
	fz := m.dir("freezer")
	if fz == "" || !contains(dirs, fz) {
		return killLoop(m.fs, m.kill, filepath.Join(dirs[0], "cgroup.procs"), m.killTimeout, m.waitAll(dirs))
	}

	var errs []error
	state := filepath.Join(fz, "freezer.state")
	if err := runWrites(m.fs, []limitWrite{{Step: "freeze before kill", Path: state, Value: "FROZEN"}}); err != nil {
		errs = append(errs, err)
	} else if err := m.waitFrozen(state); err != nil {
		// A task stuck in an uninterruptible sleep can keep the cgroup
		// FREEZING. Kill anyway, and report it with the rest.
		errs = append(errs, err)
	}
	pids, err := readPids(m.fs, filepath.Join(fz, "cgroup.procs"))
	if err != nil {
		errs = append(errs, stepErr("list processes to kill", err, ""))
	}
	for _, pid := range pids {
		if err := m.kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
			// ESRCH: it exited between the read and the kill.
			errs = append(errs, fmt.Errorf("cgroups: kill process %d: %w", pid, err))
		}
	}
	thawErr := runWrites(m.fs, []limitWrite{{Step: "thaw after kill", Path: state, Value: "THAWED"}})
	if thawErr != nil {
		return errors.Join(append(errs, thawErr)...)
	}
	// If some processes slipped through (the freeze did not settle), a
	// plain read-and-kill loop gets them. Any earlier failure is still
	// returned, even when the cgroup ends up empty.
	if err := killLoop(m.fs, m.kill, filepath.Join(fz, "cgroup.procs"), m.killTimeout, m.waitAll(dirs)); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

func (m *v1Manager) waitFrozen(state string) error {
	dl := newDeadline(m.killTimeout)
	for {
		s, err := readTrim(m.fs, state)
		if err != nil {
			return stepErr("wait for freeze", err, "")
		}
		if s == "FROZEN" {
			return nil
		}
		if !dl.wait() {
			return fmt.Errorf("cgroups: wait for freeze: %s still %q after %v", state, s, m.killTimeout)
		}
	}
}

// waitAll waits until cgroup.procs is empty in every hierarchy.
func (m *v1Manager) waitAll(dirs []string) func() error {
	return func() error {
		for _, d := range dirs {
			if err := waitEmpty(m.fs, filepath.Join(d, "cgroup.procs"), m.killTimeout); err != nil {
				return stepErr("wait for processes to exit", err, "")
			}
		}
		return nil
	}
}

func (m *v1Manager) existingDirs() ([]string, error) {
	var ds []string
	for _, d := range m.dirs() {
		ok, err := m.fs.Exists(d)
		if err != nil {
			return nil, stepErr("find cgroup", err, "")
		}
		if ok {
			ds = append(ds, d)
		}
	}
	return ds, nil
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
