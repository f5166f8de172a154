package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// killLoop SIGKILLs whatever cgroup.procs lists until it stays empty, then
// runs after (further waits). It is the fallback where neither
// cgroup.kill nor a freezer is available. Without a freeze, a process can
// fork between the read and the kill, hence the loop; and a listed PID can
// exit and be reused between the read and the kill, a race the freezer and
// cgroup.kill paths do not have.
func killLoop(fs fsOps, kill killer, procs string, timeout time.Duration, after func() error) error {
	dl := newDeadline(timeout)
	for {
		pids, err := readPids(fs, procs)
		if err != nil {
			return stepErr("list processes to kill", err, "")
		}
		if len(pids) == 0 {
			if after != nil {
				return after()
			}
			return nil
		}
		for _, pid := range pids {
			if err := kill(pid, unix.SIGKILL); err != nil && !errors.Is(err, unix.ESRCH) {
				return fmt.Errorf("cgroups: kill process %d: %w", pid, err)
			}
		}
		if !dl.wait() {
			return stepErr("wait for processes to exit", fmt.Errorf("processes %v still in %s after %v", pids, procs, timeout), "")
		}
	}
}

// removeTree removes a cgroup directory, its child cgroups first (a
// cgroup with children cannot be removed). rmdir is the only way to
// remove a cgroup: its files cannot be unlinked. The usual cgroup has no
// children and is removed by the first rmdir; only EBUSY makes it list
// the directory (~30 control files per hierarchy, eight on v1).
func removeTree(fs fsOps, dir string, timeout time.Duration) error {
	switch err := fs.Rmdir(dir); {
	case err == nil, isNotExist(err):
		return nil
	case !errors.Is(err, unix.EBUSY):
		return stepErr("remove cgroup", err, "")
	}
	subs, err := fs.SubDirs(dir)
	if isNotExist(err) {
		return nil
	}
	if err != nil {
		return stepErr("remove cgroup", err, "")
	}
	for _, s := range subs {
		if err := removeTree(fs, filepath.Join(dir, s), timeout); err != nil {
			return err
		}
	}
	if err := rmdirRetry(fs, dir, timeout); err != nil {
		return stepErr("remove cgroup", err, fmt.Sprintf("processes or child cgroups remained for %v; kill them first", timeout))
	}
	return nil
}

// deadline is a bounded retry loop with a short, growing sleep.
type deadline struct {
	end   time.Time
	sleep time.Duration
}

func newDeadline(d time.Duration) *deadline {
	return &deadline{end: time.Now().Add(d), sleep: time.Millisecond}
}

// wait sleeps before the next try and reports false once time is up.
func (d *deadline) wait() bool {
	if time.Now().After(d.end) {
		return false
	}
	time.Sleep(d.sleep)
	if d.sleep < 50*time.Millisecond {
		d.sleep *= 2
	}
	return true
}

// readPids parses a cgroup.procs file.
func readPids(fs fsOps, path string) ([]int, error) {
	s, err := fs.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(s) {
		var pid int
		if _, err := fmt.Sscanf(f, "%d", &pid); err != nil || pid <= 0 {
			return nil, &FileError{Op: "read", Path: path, Err: fmt.Errorf("bad pid %q", f)}
		}
		pids = append(pids, pid)
	}
	return pids, nil
}

// waitEmpty polls cgroup.procs until no process is listed. Processes
// leave cgroup.procs when they exit, before their parent reaps them
// (measured on v1: a zombie is not listed, though pids.current still
// counts it), so this does not depend on the caller's wait(2).
func waitEmpty(fs fsOps, procs string, timeout time.Duration) error {
	dl := newDeadline(timeout)
	for {
		pids, err := readPids(fs, procs)
		if err != nil {
			return err
		}
		if len(pids) == 0 {
			return nil
		}
		if !dl.wait() {
			return fmt.Errorf("processes %v still in %s after %v", pids, procs, timeout)
		}
	}
}

// rmdirRetry removes a cgroup directory. rmdir of a cgroup fails with EBUSY
// while it has tasks or children, and for a short time after the last task
// exits, because the kernel drops its references asynchronously; so EBUSY
// is retried until the deadline. ENOENT means someone (a Sweep, an earlier
// Destroy) already removed it, which is the wanted result.
func rmdirRetry(fs fsOps, dir string, timeout time.Duration) error {
	dl := newDeadline(timeout)
	for {
		err := fs.Rmdir(dir)
		if err == nil || isNotExist(err) {
			return nil
		}
		if !isBusy(err) || !dl.wait() {
			return err
		}
	}
}

// Parents a container's Create made. A cgroupsPath such as "a/b/ctr" (or
// `run --cgroup-parent a/b`) makes a and a/b when they do not exist yet;
// removing only the container's own directory left them behind on every
// exit path. The project parent (DefaultParent, at the top) is kept: it
// is shared by every container, and making and removing it in every
// hierarchy for each run would cost each start. A parent that existed
// before is never recorded, so an engine's own (a pod's cgroup) stays.

// errParentGone is create's answer when a parent it found vanished
// before it could make the level below (another container's Destroy
// removed it the moment it became empty): Create starts over.
var errParentGone = errors.New("a parent cgroup was removed meanwhile")

// createRetries bounds those restarts.
const createRetries = 3

// madeParent reports whether level i of comps (not the last, which is the
// container's own) is a parent to record once Create made it.
func madeParent(comps []string, i int) bool {
	return i < len(comps)-1 && !(i == 0 && comps[0] == DefaultParent)
}

// removeMadeParents removes the parents a Create made, deepest first,
// each only while empty: one that another container uses (EBUSY,
// ENOTEMPTY) or that is already gone stays as it is.
func removeMadeParents(fs fsOps, dirs []string) error {
	for i := len(dirs) - 1; i >= 0; i-- {
		err := fs.Rmdir(dirs[i])
		if err == nil || isNotExist(err) || errors.Is(err, unix.EBUSY) || errors.Is(err, unix.ENOTEMPTY) {
			continue
		}
		return stepErr("remove a parent cgroup it made", err, "")
	}
	return nil
}
