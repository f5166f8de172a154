package containerinit

import (
	"errors"
	"fmt"
	"runtime"
	"syscall"

	"mycontainer/nsexec"
	"mycontainer/rootfs"

	"golang.org/x/sys/unix"
)

// resolveCommand finds the command inside the container, so that a missing
// or non-executable command gets docker's 127 or 126 and a clear message.
func resolveCommand(r *reporter, bs *nsexec.Bootstrap) string {
	if len(bs.Args) == 0 {
		r.fail("find command", "", errors.New("no command given"), "", exitRuntime)
	}
	root, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open new root", "/", err, "", exitRuntime)
	}
	defer unix.Close(root)
	path, err := rootfs.LookPath(root, bs.Args[0], envPath(bs.Env), bs.Cwd)
	switch {
	case errors.Is(err, rootfs.ErrCommandNotFound):
		r.fail("find command", bs.Args[0], err, "", exitNotFound)
	case errors.Is(err, rootfs.ErrNotExecutable):
		r.fail("find command", bs.Args[0], err, "", exitNotExecutable)
	case err != nil:
		r.fail("find command", bs.Args[0], err, "", exitRuntime)
	}
	return path
}

// execCommand replaces init with the command, which becomes PID 1.
func execCommand(r *reporter, bs *nsexec.Bootstrap, path string, x *Extras) {
	runtime.LockOSThread()
	if bs.TTY {
		// Make the pty (already on fd 0) this session's controlling
		// terminal, so job control works in the shell.
		if err := unix.IoctlSetInt(0, unix.TIOCSCTTY, 0); err != nil {
			r.fail("set controlling terminal", "/dev/pts/0", err, "", exitRuntime)
		}
	}
	// CVE-2024-21626 was a leaked directory fd: nothing above 2 may reach
	// the command but the fds the caller asked to pass (--preserve-fds N:
	// 3 to 3+N-1, which the constructor kept and nothing else). Go's own
	// fds are close-on-exec already; this makes sure of every other one.
	if err := unix.CloseRange(uint(3+nsexec.PreservedFds()), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		r.fail("mark fds close-on-exec", "", err, "", exitRuntime)
	}
	waitForReaper(r)
	// Set again on this very thread, whatever the scheduler did: the
	// command must die with the runtime (see thread.go). switchCredentials
	// re-arms it after the uid change, which clears it.
	if bs.Pdeathsig {
		if err := unix.Prctl(unix.PR_SET_PDEATHSIG, uintptr(unix.SIGKILL), 0, 0, 0); err != nil {
			r.fail("prctl PR_SET_PDEATHSIG", "", err, "", exitRuntime)
		}
	}
	r.step("exec", now())
	// User, groups, capabilities, no_new_privs, and the seccomp filter
	// last, so the filter need not allow any of the set-up above.
	groups := bs.AddGIDs
	if len(groups) == 0 {
		groups = []uint32{bs.GID}
	}
	if err := switchCredentials(bs.UID, bs.GID, groups, x); err != nil {
		r.fail("switch user and capabilities", fmt.Sprintf("%d:%d", bs.UID, bs.GID), err, "", exitRuntime)
	}
	// The startContainer hooks run as the spec orders them: in the
	// container, right before the command, so as the container's process
	// is (user, capabilities, no_new_privs and its seccomp filter, which
	// this thread and so every hook it forks now carries), as under runc.
	startContainerHooks(r, x)
	err := syscall.Exec(path, bs.Args, bs.Env) // restores Go's raised RLIMIT_NOFILE unless the spec set one
	code, hint := exitNotExecutable, ""
	if errors.Is(err, unix.ENOENT) {
		code = exitNotFound
		hint = "the file exists, so its ELF interpreter or #! interpreter is probably missing from the rootfs"
	}
	r.fail("exec", path, err, hint, code)
}

// waitForReaper holds PID 2 (--init) until PID 1 has closed the sync
// socket: end-of-file on the gate pipe comes when the reaper closes its
// end, or dies. Every other role has no gate.
func waitForReaper(r *reporter) {
	gate := nsexec.GateFD()
	if gate < 0 {
		return
	}
	var b [1]byte
	for {
		n, err := unix.Read(gate, b[:])
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			r.fail("wait for the init reaper", "", err, "", exitRuntime)
		}
		if n == 0 {
			break
		}
	}
	unix.Close(gate)
}
