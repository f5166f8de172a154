package container

import (
	"fmt"
	"io"
	"os"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// StopPolicy is docker stop's rule, for the friendly `run`: a SIGINT or
// SIGTERM to the runtime is forwarded to PID 1, and if the container is
// still running Timeout later, PID 1 gets SIGKILL. A second SIGINT after
// a first one (a second Ctrl-C) kills at once; a SIGTERM is always only
// forwarded, because one SIGTERM often arrives twice: `timeout` and
// process managers signal the runtime and then its whole process group.
// A negative Timeout waits for ever (the second Ctrl-C still kills).
//
// The kernel drops a signal sent from outside a PID namespace to its PID 1
// unless PID 1 installed a handler for it (only SIGKILL and SIGSTOP are
// forced), so a shell loop or a server without a SIGTERM handler running
// as PID 1 never stops on SIGTERM: without the escalation the runtime
// waited for ever and held its caller's pipes. Killing PID 1 kills every
// process of its PID namespace, so --init's command goes with it.
type StopPolicy struct {
	Timeout time.Duration
}

// relay is what relaySignals works with.
type relay struct {
	sigs   <-chan os.Signal
	ready  <-chan struct{} // closed once init's PID is known (or never will be)
	done   <-chan struct{} // closed when Run returns: init is reaped
	pid    *atomic.Int64
	con    *atomic.Pointer[console]
	stop   *StopPolicy // nil: forward only (the OCI form, as runc)
	stderr io.Writer
}

// relaySignals forwards signals to PID 1 once the command runs, and turns
// SIGWINCH into a resize of the container's terminal. Signals that arrive
// during start-up wait in the channel and are delivered afterwards: before
// the exec, PID 1 is still the runtime's Go code, whose default reaction to
// SIGTERM would be to die with status 2 instead of stopping the command.
func relaySignals(r relay) {
	select {
	case <-r.ready:
	case <-r.done:
		return
	}
	var deadline <-chan time.Time
	var first unix.Signal // the SIGINT or SIGTERM that started the stop
	for {
		select {
		case <-r.done:
			return
		case <-deadline:
			deadline = nil
			fmt.Fprintf(r.stderr, "mycontainer: the container did not stop within %v of %s (--stop-timeout; a PID 1 without a handler, or a command that ignores it, never stops): killing it\n", r.stop.Timeout, unix.SignalName(first))
			r.kill(unix.SIGKILL)
		case s := <-r.sigs:
			if s == unix.SIGWINCH {
				r.con.Load().resize()
				continue
			}
			sig := s.(unix.Signal)
			if r.stop != nil && sig == unix.SIGINT && first == unix.SIGINT {
				fmt.Fprintf(r.stderr, "mycontainer: second %s: killing the container\n", unix.SignalName(sig))
				r.kill(unix.SIGKILL)
				continue
			}
			r.kill(sig)
			if r.stop != nil && first == 0 && (sig == unix.SIGINT || sig == unix.SIGTERM) {
				first = sig
				if r.stop.Timeout >= 0 {
					deadline = time.After(r.stop.Timeout)
				}
			}
		}
	}
}

func (r relay) kill(s unix.Signal) {
	if p := r.pid.Load(); p > 0 {
		_ = unix.Kill(int(p), s) // init may have exited: nothing to do
	}
}
