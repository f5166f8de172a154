package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// limitWrite is one value to write into one cgroup file. Managers first
// build the whole list (plan), then write it in order, so the order the
// kernel's rules need is visible in one place and unit-testable.
type limitWrite struct {
	Step  string // what the write is for, used in the error
	Path  string
	Value string
	// hint explains, for the errno the kernel returned, which rule was
	// broken. It may read other files (the parent's cpuset) to say so.
	hint func(fs fsOps, errno unix.Errno) string
}

func runWrites(fs fsOps, ws []limitWrite) error {
	for _, w := range ws {
		if err := fs.WriteFile(w.Path, w.Value); err != nil {
			hint := ""
			var en unix.Errno
			if w.hint != nil && errors.As(err, &en) {
				hint = w.hint(fs, en)
			}
			if hint == "" && errors.Is(err, unix.ENOENT) {
				hint = "the file does not exist: the kernel lacks this feature or the controller is not enabled for this cgroup"
			}
			return stepErr(w.Step, err, hint)
		}
	}
	return nil
}

func itoa(v int64) string  { return strconv.FormatInt(v, 10) }
func utoa(v uint64) string { return strconv.FormatUint(v, 10) }
func base(p string) string { return filepath.Base(p) }
func hintFor(e unix.Errno, want unix.Errno, msg string) string {
	if e == want {
		return msg
	}
	return ""
}

// cpusetHint explains EINVAL on cpuset.cpus/mems: the value must be a
// subset of what the parent has (and the CPUs or nodes must be online).
func cpusetHint(parentFile string) func(fsOps, unix.Errno) string {
	return func(fs fsOps, e unix.Errno) string {
		if e != unix.EINVAL {
			return ""
		}
		have, err := readTrim(fs, parentFile)
		if err != nil {
			return fmt.Sprintf("the value must be a subset of the parent's %s, which could not be read: %v", base(parentFile), err)
		}
		return fmt.Sprintf("the value must be a subset of the parent's %s, which is %q, and online", base(parentFile), have)
	}
}

// pidHint explains the errnos of writing to cgroup.procs.
func pidHint(fs fsOps, e unix.Errno) string {
	switch e {
	case unix.ESRCH:
		return "the process does not exist any more"
	case unix.ENOSPC:
		return "v1 cpuset: the cgroup's cpuset.cpus or cpuset.mems is empty, and no process may join such a cpuset"
	case unix.ENOENT:
		return "the cgroup directory does not exist; Create must run first"
	case unix.EBUSY:
		return "cgroup v2 no-internal-processes rule: this cgroup hands controllers to children in its cgroup.subtree_control, so it may not hold processes itself"
	case unix.EOPNOTSUPP:
		return "the cgroup is in an invalid state for processes (a threaded subtree or domain invalid)"
	}
	return ""
}
