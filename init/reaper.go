package containerinit

import (
	"os"
	"os/signal"
	"syscall"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// runInit is the --init mode: this process stays PID 1, runs the command as
// PID 2, forwards every signal to it, reaps every zombie (orphans that the
// kernel re-parents to PID 1 too) and exits with the command's status.
//
// Why a reaping init: a command that never calls wait() leaves zombies as
// PID 1, and as PID 1 the kernel ignores signals it has no handler for, so
// SIGTERM would not stop a plain `sleep`. Here the command is PID 2, where
// SIGTERM has its default effect.
func runInit(r *reporter, bs *nsexec.Bootstrap, path string) {
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs) // every signal; filtered below
	groups := make([]uint32, len(bs.AddGIDs))
	copy(groups, bs.AddGIDs)
	attr := &syscall.ProcAttr{
		Env:   bs.Env,
		Files: []uintptr{0, 1, 2},
		Sys: &syscall.SysProcAttr{
			Setsid:     true,
			Setctty:    bs.TTY,
			Ctty:       0,
			Credential: &syscall.Credential{Uid: bs.UID, Gid: bs.GID, Groups: groups},
		},
	}
	if len(groups) == 0 {
		attr.Sys.Credential.Groups = []uint32{bs.GID}
	}
	r.step("exec", now())
	child, err := syscall.ForkExec(path, bs.Args, attr)
	if err != nil {
		code := exitNotExecutable
		if err == syscall.ENOENT {
			code = exitNotFound
		}
		r.fail("start command", path, err, "", code)
	}
	// Tell the parent the command runs, then let go of the socket so the
	// container holds no fd of the runtime.
	_ = nsexec.Send(r.sock, nsexec.NewFrame(nsexec.MsgStarted))
	unix.Close(r.sock)

	for sig := range sigs {
		s := sig.(syscall.Signal)
		switch s {
		case unix.SIGCHLD:
			if status, done := reap(child); done {
				os.Exit(exitCode(status))
			}
		case unix.SIGURG:
			// Go's runtime preempts goroutines with SIGURG; it is not meant
			// for the command.
		default:
			_ = unix.Kill(child, s) // the child may already be gone
		}
	}
}

// reap collects every exited child. It reports the command's status once
// the command itself is among them.
func reap(child int) (unix.WaitStatus, bool) {
	var result unix.WaitStatus
	found := false
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			return result, found
		}
		if pid == child {
			result, found = ws, true
		}
	}
}

func exitCode(ws unix.WaitStatus) int {
	if ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ws.ExitStatus()
}
