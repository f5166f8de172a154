package containerinit

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// applyProcessExtras sets the process attributes of the spec that need
// privileges the container user may not have: raising a hard rlimit needs
// CAP_SYS_RESOURCE and lowering oom_score_adj does too. So it runs as root,
// before switchCredentials, and after the mount plan (whose umask(0) it
// must not be overwritten by).
func applyProcessExtras(x *Extras) error {
	if x == nil {
		return nil
	}
	for _, rl := range x.Rlimits {
		if err := setRlimit(rl); err != nil {
			return err
		}
	}
	if x.Umask != nil {
		// umask is per process (Go threads share the fs struct), and
		// execve keeps it: the command starts with exactly this mask.
		if *x.Umask > 0o777 {
			return fmt.Errorf("umask %#o: not a permission mask", *x.Umask)
		}
		unix.Umask(int(*x.Umask))
	}
	if x.OOMScoreAdj != nil {
		if err := setOOMScoreAdj(*x.OOMScoreAdj); err != nil {
			return err
		}
	}
	return nil
}

// setRlimit applies one limit. It goes through unix.Setrlimit, which is
// syscall.Setrlimit: for RLIMIT_NOFILE that clears syscall's
// origRlimitNofile. Go raised its own soft RLIMIT_NOFILE at start and
// syscall.Exec puts the *original* soft value back before execve unless
// that record was cleared, which would silently undo the spec's limit. A
// raw setrlimit/prlimit64 syscall would not clear it (see the test).
func setRlimit(rl Rlimit) error {
	if rl.Soft > rl.Hard {
		// The kernel says EINVAL; say which limit and why.
		return fmt.Errorf("rlimit %s: soft %d is above hard %d", rlimitName(rl.Type), rl.Soft, rl.Hard)
	}
	lim := unix.Rlimit{Cur: rl.Soft, Max: rl.Hard}
	if err := unix.Setrlimit(rl.Type, &lim); err != nil {
		if err == unix.EPERM {
			return fmt.Errorf("rlimit %s %d/%d: %w (raising a hard limit needs CAP_SYS_RESOURCE)", rlimitName(rl.Type), rl.Soft, rl.Hard, err)
		}
		return fmt.Errorf("rlimit %s %d/%d: %w", rlimitName(rl.Type), rl.Soft, rl.Hard, err)
	}
	return nil
}

var rlimitNames = map[int]string{
	unix.RLIMIT_AS: "RLIMIT_AS", unix.RLIMIT_CORE: "RLIMIT_CORE", unix.RLIMIT_CPU: "RLIMIT_CPU",
	unix.RLIMIT_DATA: "RLIMIT_DATA", unix.RLIMIT_FSIZE: "RLIMIT_FSIZE", unix.RLIMIT_LOCKS: "RLIMIT_LOCKS",
	unix.RLIMIT_MEMLOCK: "RLIMIT_MEMLOCK", unix.RLIMIT_MSGQUEUE: "RLIMIT_MSGQUEUE", unix.RLIMIT_NICE: "RLIMIT_NICE",
	unix.RLIMIT_NOFILE: "RLIMIT_NOFILE", unix.RLIMIT_NPROC: "RLIMIT_NPROC", unix.RLIMIT_RSS: "RLIMIT_RSS",
	unix.RLIMIT_RTPRIO: "RLIMIT_RTPRIO", unix.RLIMIT_RTTIME: "RLIMIT_RTTIME", unix.RLIMIT_SIGPENDING: "RLIMIT_SIGPENDING",
	unix.RLIMIT_STACK: "RLIMIT_STACK",
}

func rlimitName(t int) string {
	if n, ok := rlimitNames[t]; ok {
		return n
	}
	return fmt.Sprintf("#%d", t)
}
