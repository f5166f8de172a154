package containerinit

import (
	"runtime"

	"mycontainer/nsexec"
)

// Keep the main goroutine on the main thread inside the container. The
// constructor set PR_SET_PDEATHSIG on that thread, and the kernel keeps
// the setting per thread: new threads start without it, and an execve
// from another thread makes that thread the survivor. Measured on Linux
// 6.1: an exec from a Go worker thread left the command running after
// the runtime was SIGKILLed. Locking in init() is the documented way to
// make main() run on the main thread.
func init() {
	if nsexec.CurrentRole() != nsexec.RoleNone {
		runtime.LockOSThread()
	}
}
