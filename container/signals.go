package container

import (
	"os"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// relaySignals forwards signals to PID 1 once it exists, and turns
// SIGWINCH into a resize of the container's terminal. Signals that arrive
// before init exists wait in the channel and are delivered afterwards.
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
