// Package containerinit is the Go code that runs as the container's PID 1
// once the C constructor has pivoted into the new root. It finishes the
// root filesystem, then execs the command, or stays as a reaping init.
//
// The folder is init/ but the package cannot be called init in Go.
package containerinit

import (
	"errors"
	"os"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// Exit codes, as docker uses them: proto.h's, like the C stages' and
// the CLI's.
const (
	exitRuntime       = nsexec.ExitRuntime
	exitNotExecutable = nsexec.ExitNotExecutable
	exitNotFound      = nsexec.ExitNotFound
)

// reporter sends timeline steps and the one fatal error to the parent over
// the sync socket, in the same frames the C stages use.
type reporter struct {
	sock  int
	debug bool
	// detached: `create` has returned, nobody reads the socket any more;
	// a failure goes to the container's stderr (the engine's log) too.
	detached bool
}

func now() uint64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) // cannot fail for CLOCK_MONOTONIC
	return uint64(ts.Nano())
}

func (r *reporter) step(name string, start uint64) {
	if !r.debug {
		return
	}
	f := nsexec.NewFrame(nsexec.MsgLog)
	f.PutString(nsexec.LStep, name)
	f.PutU64(nsexec.LStart, start)
	f.PutU64(nsexec.LEnd, now())
	// The timeline is advisory; a lost line must not fail the container.
	_ = nsexec.Send(r.sock, f)
}

// fail reports a failed step and exits: a half-set-up container never
// reaches the user's command.
func (r *reporter) fail(step, path string, err error, hint string, code int) {
	f := nsexec.NewFrame(nsexec.MsgError)
	f.PutString(nsexec.LStep, step)
	if path != "" {
		f.PutString(nsexec.LPath, path)
	}
	var errno unix.Errno
	if errors.As(err, &errno) && err.Error() == errno.Error() {
		f.PutU32(nsexec.LErrno, uint32(errno))
	} else if err != nil {
		// Not a bare errno: send the whole text as the reason.
		f.PutString(nsexec.LHint, err.Error())
	}
	if hint != "" {
		f.PutString(nsexec.LHint, hint)
	}
	f.PutU32(nsexec.LExit, uint32(code))
	// If the parent is gone there is nobody to tell; the exit code remains.
	_ = nsexec.Send(r.sock, f)
	if r.detached {
		msg := step + " " + path
		if err != nil {
			msg += ": " + err.Error()
		}
		if hint != "" {
			msg += " (" + hint + ")"
		}
		_, _ = os.Stderr.WriteString("mycontainer: init: " + msg + "\n")
	}
	os.Exit(code)
}
