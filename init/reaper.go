package containerinit

import (
	"os"
	"os/signal"
	"syscall"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// Reap is PID 1 in --init mode. The constructor forked the command's
// process (PID 2) before Go started; this process forwards every signal to
// it, reaps every zombie (orphans the kernel re-parents to PID 1 too) and
// exits with the command's status. It never returns.
//
// Why a reaping init: a command that never calls wait() piles up zombies
// as PID 1, and the kernel drops signals to a PID 1 that has no handler
// for them, so SIGTERM would not stop a plain `sleep`. As PID 2 the
// command gets every signal's default effect.
func Reap(child int) {
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs) // every signal; filtered below
	// Now every signal reaches the loop below: let go of the sync socket,
	// so the parent sees end-of-stream (once PID 2 has exec'd too) and
	// starts forwarding signals. The container keeps no fd of the runtime.
	unix.Close(nsexec.SyncFD())
	// Then open the gate: PID 2 waits for this before it execs, so the
	// command never runs beside a PID 1 that still holds the socket.
	unix.Close(nsexec.GateFD())
	// The child may have exited before Notify: look once before waiting.
	if status, done := reap(child); done {
		os.Exit(exitCode(status))
	}
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
