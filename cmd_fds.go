package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// maxPreserveFds bounds --preserve-fds, as the constructor does.
const maxPreserveFds = 1 << 20

// checkPreserveFds checks that --preserve-fds N names fds the caller
// really passed: 3 to 3+N-1 must all be open and not close-on-exec. The
// runtime opens its own fds close-on-exec (Go always does; the Go
// runtime itself holds a few from before main, cgroup files among
// them), so a gap in what the caller passed can never let one of the
// runtime's fds through to the container.
func checkPreserveFds(n int) error {
	if n < 0 || n > maxPreserveFds {
		return fmt.Errorf("--preserve-fds %d: want a count from 0 to %d", n, maxPreserveFds)
	}
	for fd := 3; fd < 3+n; fd++ {
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err == nil && fl&unix.FD_CLOEXEC != 0 {
			err = errors.New("it is the runtime's own")
		}
		if err != nil {
			return fmt.Errorf("--preserve-fds %d: fd %d is not open in the caller (%v): pass fds 3 to %d, or a smaller count", n, fd, err, 2+n)
		}
	}
	return nil
}

// preserveFds is how many fds from 3 on the verb passes to the process:
// for create and run, the socket-activation fds ($LISTEN_FDS) first, then
// --preserve-fds N, as runc does.
func (c *cli) preserveFds(verb string) int {
	switch verb {
	case "create":
		return listenFds() + c.Create.PreserveFds
	case "run":
		return listenFds() + max(c.RunBundle.PreserveFds, c.Run.PreserveFds)
	case "exec":
		return c.Exec.PreserveFds
	}
	return 0
}

// listenFds is systemd's socket activation: $LISTEN_FDS fds from 3 on,
// when $LISTEN_PID names this process (else they are someone else's).
func listenFds() int {
	if os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) {
		return 0
	}
	n, err := strconv.Atoi(os.Getenv("LISTEN_FDS"))
	if err != nil || n < 0 || n > maxPreserveFds {
		return 0
	}
	return n
}

// listenEnv is what the process is told of the socket-activation fds:
// LISTEN_FDS, and LISTEN_PID 1, itself in its PID namespace.
func listenEnv() []string {
	if n := listenFds(); n > 0 {
		return []string{"LISTEN_FDS=" + strconv.Itoa(n), "LISTEN_PID=1"}
	}
	return nil
}
