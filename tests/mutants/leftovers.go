package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A mutant's test may die half-way (killed by its own mutant, or at the
// time limit) and leave what its clean-up would have removed: processes
// of its containers and cgroups under the project's parents. The runner
// holds the root-suite lock for the test and this sweep, so whatever
// appeared meanwhile is that test's: it is killed and removed before the
// next mutation runs, and before another suite may take the lock.

const lockPath = "/tmp/mycontainer-root-suite.lock"

// lockRootSuite takes the lock every root suite here shares (flock(1)
// takes the same kind of lock) and returns its release.
func lockRootSuite() (func(), error) {
	f, err := os.OpenFile(lockPath, os.O_RDONLY|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", lockPath, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", lockPath, err)
	}
	return func() { f.Close() }, nil
}

// projectCgroups lists the cgroup directories named mycontainer* at the
// top of every hierarchy (v1 controllers, named ones, unified), with all
// their descendants.
func projectCgroups() map[string]bool {
	out := map[string]bool{}
	var tops []string
	for _, pat := range []string{"/sys/fs/cgroup/mycontainer*", "/sys/fs/cgroup/*/mycontainer*"} {
		m, _ := filepath.Glob(pat)
		tops = append(tops, m...)
	}
	for _, top := range tops {
		_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				out[p] = true
			}
			return nil
		})
	}
	return out
}

// sweepLeftovers kills the processes in the cgroups that are not in
// before and removes those cgroups, deepest first. It returns what it
// removed, for the log.
func sweepLeftovers(before map[string]bool) []string {
	var added []string
	for p := range projectCgroups() {
		if !before[p] {
			added = append(added, p)
		}
	}
	if len(added) == 0 {
		return nil
	}
	for _, p := range added {
		b, _ := os.ReadFile(filepath.Join(p, "cgroup.procs"))
		for _, f := range strings.Fields(string(b)) {
			if pid, err := strconv.Atoi(f); err == nil && pid > 0 {
				_ = syscall.Kill(pid, syscall.SIGKILL)
			}
		}
	}
	// Deepest first: a parent is removable once its children are gone.
	sort.Slice(added, func(i, j int) bool { return strings.Count(added[i], "/") > strings.Count(added[j], "/") })
	for _, p := range added {
		for try := 0; try < 50; try++ { // the killed processes take a moment to leave
			if err := syscall.Rmdir(p); err == nil || os.IsNotExist(err) {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	return added
}
