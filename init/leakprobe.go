//go:build leakprobe

package containerinit

// A fault the tests build in on purpose (go build -tags leakprobe; see
// tests/fds_test.go, TestNoFDLeakFromGoSetup). Never part of a release.
//
// Every fd the Go stage opens today is close-on-exec, and the constructor
// closed everything the caller leaked, so the close-on-exec sweep before
// the command's execve (execCommand) has nothing to do on a healthy
// build: no test can see it. This file gives it something to do: in the
// stages that exec the command (init, --init's PID 2, exec) it opens an
// fd without O_CLOEXEC while Go sets the container up, as a forgotten
// flag would (TIOCGPTPEER's slave is one such fd, closed by hand). The
// sweep must keep it from the command.

import (
	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// LeakProbeName is the probe's memfd name: /proc/PID/fd/N reads
// "/memfd:mycontainer-leakprobe (deleted)".
const LeakProbeName = "mycontainer-leakprobe"

func init() {
	switch nsexec.CurrentRole() {
	case nsexec.RoleInit, nsexec.RoleSetup, nsexec.RoleExec:
		// Flags 0: no MFD_CLOEXEC. A failure leaves no probe, which
		// the test notices (it looks for the probe in init first).
		_, _ = unix.MemfdCreate(LeakProbeName, 0)
	}
}
