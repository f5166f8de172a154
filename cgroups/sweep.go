package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"time"
)

// DefaultSweepGrace is how old an empty cgroup must be before Sweep
// removes it. A concurrent `run` creates its cgroup a moment before its
// PID 1 joins; in that window the cgroup is empty but alive. The cgroup
// directory's mtime is its creation time (writing limits or joining does
// not change it, measured on v1), and the window is milliseconds, so a
// few seconds of grace is ample.
const DefaultSweepGrace = 10 * time.Second

// Sweep removes stale cgroups under parent: those of containers whose
// runtime died without cleaning up (the runtime was SIGKILLed; its
// container then died of PDEATHSIG, leaving an empty cgroup). `run` does
// not call it (it sweeps by name: container.SweepDeadRuns); it is for a
// parent whose children carry no owner in their names. A cgroup is stale when neither it nor any child cgroup
// holds a process and it is older than DefaultSweepGrace. Parent ""
// means DefaultParent; a missing parent is not an error.
func Sweep(mode Mode, parent string) error {
	return SweepOlderThan(mode, parent, DefaultSweepGrace)
}

// SweepOlderThan is Sweep with a chosen grace; tests use 0.
func SweepOlderThan(mode Mode, parent string, grace time.Duration) error {
	dirs, err := parentDirs(mode, parent)
	if err != nil {
		return err
	}
	return sweep(hostFS{}, dirs, grace, time.Now())
}

// RemoveParent removes the (empty) parent cgroup in every hierarchy, for
// tests and for an explicit clean-up. It never removes a container's
// cgroup: a parent that still has children is an error. Only the last
// component of a multi-level parent is removed.
func RemoveParent(mode Mode, parent string) error {
	dirs, err := parentDirs(mode, parent)
	if err != nil {
		return err
	}
	var errs []error
	for _, d := range dirs {
		if err := (hostFS{}).Rmdir(d); err != nil && !isNotExist(err) {
			hint := ""
			if isBusy(err) {
				hint = "container cgroups remain under it"
			}
			errs = append(errs, stepErr("remove parent cgroup", err, hint))
		}
	}
	return errors.Join(errs...)
}

// Children lists the names of the child cgroups of parent, taken from
// every hierarchy: on v1 a runtime SIGKILLed while it made a container's
// directories one hierarchy after another leaves the name in only some of
// them. A missing parent has no children.
func Children(mode Mode, parent string) ([]string, error) {
	dirs, err := parentDirs(mode, parent)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	var names []string
	for _, d := range dirs {
		subs, err := (hostFS{}).SubDirs(d)
		if isNotExist(err) {
			continue
		}
		if err != nil {
			return nil, stepErr("list child cgroups", err, "")
		}
		for _, s := range subs {
			if !seen[s] {
				seen[s] = true
				names = append(names, s)
			}
		}
	}
	sort.Strings(names)
	return names, nil
}

// parentDirs lists <mount>/<parent> for each hierarchy of mode.
func parentDirs(mode Mode, parent string) ([]string, error) {
	if parent == "" {
		parent = DefaultParent
	}
	// Check the parent like New does; "x" stands in for an id.
	if _, err := relPath(parent, "x"); err != nil {
		return nil, err
	}
	switch mode {
	case Unified:
		return []string{filepath.Join(DefaultMount, parent)}, nil
	case Legacy, Hybrid:
		mounts, err := FindV1Mounts()
		if err != nil {
			return nil, err
		}
		if mode == Hybrid {
			mounts[hybridKey] = HybridUnifiedMount() // see New
		}
		seen := map[string]bool{}
		var dirs []string
		for _, mp := range mounts {
			if !seen[mp] {
				seen[mp] = true
				dirs = append(dirs, filepath.Join(mp, parent))
			}
		}
		sort.Strings(dirs)
		return dirs, nil
	}
	return nil, fmt.Errorf("cgroups: sweep: unknown mode %v", mode)
}

func sweep(fs fsOps, parents []string, grace time.Duration, now time.Time) error {
	var errs []error
	for _, p := range parents {
		subs, err := fs.SubDirs(p)
		if isNotExist(err) {
			continue
		}
		if err != nil {
			errs = append(errs, stepErr("sweep", err, ""))
			continue
		}
		for _, s := range subs {
			if err := sweepOne(fs, filepath.Join(p, s), grace, now); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

func sweepOne(fs fsOps, dir string, grace time.Duration, now time.Time) error {
	mt, err := fs.ModTime(dir)
	if isNotExist(err) {
		return nil // another sweep got it first
	}
	if err != nil {
		return stepErr("sweep", err, "")
	}
	if now.Sub(mt) < grace {
		return nil // maybe a container being set up right now
	}
	empty, err := treeEmpty(fs, dir)
	if isNotExist(err) {
		// Removed meanwhile by another sweep, or not a cgroup at all
		// (a directory without cgroup.procs): only the first is fine.
		if ok, serr := fs.Exists(dir); serr == nil && !ok {
			return nil
		}
	}
	if err != nil {
		return stepErr("sweep", err, "")
	}
	if !empty {
		return nil // a live container
	}
	err = removeOnce(fs, dir)
	if isNotExist(err) || isBusy(err) {
		// Gone already, or a process joined since the check: both mean
		// it is not ours to remove.
		return nil
	}
	if err != nil {
		return stepErr("sweep", err, "")
	}
	return nil
}

// treeEmpty reports whether no process is in dir or any child cgroup.
func treeEmpty(fs fsOps, dir string) (bool, error) {
	pids, err := readPids(fs, filepath.Join(dir, "cgroup.procs"))
	if err != nil || len(pids) > 0 {
		return false, err
	}
	subs, err := fs.SubDirs(dir)
	if err != nil {
		return false, err
	}
	for _, s := range subs {
		if ok, err := treeEmpty(fs, filepath.Join(dir, s)); err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// removeOnce removes dir and its child cgroups without retrying EBUSY:
// in a sweep, busy means in use.
func removeOnce(fs fsOps, dir string) error {
	subs, err := fs.SubDirs(dir)
	if err != nil {
		return err
	}
	for _, s := range subs {
		if err := removeOnce(fs, filepath.Join(dir, s)); err != nil {
			return err
		}
	}
	return fs.Rmdir(dir)
}
