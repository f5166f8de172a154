package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// becomeSubreaper makes the soak the reaper of every process its runtimes
// orphan, as an engine's shim is: a stage or an init that outlives its
// killed runtime then stays countable as the soak's, and is never left
// to the host's init.
func becomeSubreaper() error {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("become a child subreaper: %w", err)
	}
	return nil
}

// reapOrphans reaps the orphans that have died. Only call it when no
// exec.Cmd of the soak is running: wait4(-1) would steal its status.
func reapOrphans() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if pid <= 0 || err != nil {
			return
		}
	}
}

// cleanUp removes everything the soak made, whatever the census found
// and however the soak ends: its containers (through the runtime), then
// any process of its own that survived, its cgroups in every hierarchy
// and its temp directory. It reports what it could not remove.
func cleanUp(e *env) error {
	var errs []error
	out, err := e.command(e.oci("list", "-q")).Output()
	if err != nil {
		errs = append(errs, fmt.Errorf("clean up: list: %w", err))
	}
	for _, id := range strings.Fields(string(out)) {
		if _, err := runToEnd(e.command(e.oci("delete", "--force", id))); err != nil {
			errs = append(errs, fmt.Errorf("clean up: %w", err))
		}
	}
	// Every process here is the soak's own (marked, in its cgroups or
	// its descendant), so killing them by PID kills nobody else's.
	for range 50 {
		pids := ours(e)
		if len(pids) == 0 {
			break
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(20 * time.Millisecond)
		reapOrphans()
	}
	if pids := ours(e); len(pids) > 0 {
		errs = append(errs, fmt.Errorf("clean up: processes survive SIGKILL: %v", describePIDs(pids)))
	}
	if err := removeCgroups(e.parent); err != nil {
		errs = append(errs, err)
	}
	// The bridge and its table outlive the runs by design; with no lease
	// left, prune removes them (and turns ip_forward back off if a run
	// turned it on).
	if _, err := runToEnd(e.command([]string{"network", "prune"})); err != nil {
		errs = append(errs, fmt.Errorf("clean up: %w", err))
	}
	if err := os.RemoveAll(e.tmp); err != nil {
		errs = append(errs, fmt.Errorf("clean up: remove %s: %w", e.tmp, err))
	}
	return errors.Join(errs...)
}

// removeCgroups removes parent and every cgroup below it, in every
// hierarchy, deepest first; a cgroup whose last process is still exiting
// is busy for a moment, so each removal is retried for a while.
func removeCgroups(parent string) error {
	mps, err := cgroupMounts()
	if err != nil {
		return fmt.Errorf("clean up cgroups: %w", err)
	}
	dirs, err := cgroupDirs(parent)
	if err != nil {
		return fmt.Errorf("clean up cgroups: %w", err)
	}
	for _, mp := range mps {
		dirs = append([]string{mp + "/" + parent}, dirs...)
	}
	var errs []error
	for i := len(dirs) - 1; i >= 0; i-- {
		if err := rmdirRetry(dirs[i]); err != nil {
			errs = append(errs, fmt.Errorf("clean up cgroups: %w", err))
		}
	}
	return errors.Join(errs...)
}

func rmdirRetry(dir string) error {
	var err error
	for range 100 {
		err = unix.Rmdir(dir)
		if err == nil || err == unix.ENOENT {
			return nil
		}
		if err != unix.EBUSY {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("rmdir %s: %w", dir, err)
}
