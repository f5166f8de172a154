package container

import (
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// relaySignals forwards signals to PID 1 once the command runs, and turns
// SIGWINCH into a resize of the container's terminal. Signals that arrive
// during start-up wait in the channel and are delivered afterwards: before
// the exec, PID 1 is still the runtime's Go code, whose default reaction to
// SIGTERM would be to die with status 2 instead of stopping the command.
//
// The kernel only delivers a signal from outside a PID namespace to its
// PID 1 if PID 1 installed a handler (or it is SIGKILL/SIGSTOP), so a
// command that ignores SIGTERM as PID 1 keeps running: use --init.
func relaySignals(sigs <-chan os.Signal, ready <-chan struct{}, pid *atomic.Int64, con *atomic.Pointer[console]) {
	<-ready
	for s := range sigs {
		if s == unix.SIGWINCH {
			con.Load().resize()
			continue
		}
		if p := pid.Load(); p > 0 {
			_ = unix.Kill(int(p), s.(unix.Signal)) // init may have exited: nothing to do
		}
	}
}
