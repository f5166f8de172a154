package containerinit

import (
	"errors"
	"fmt"

	"mycontainer/nsexec"
	"mycontainer/seccomp"

	"golang.org/x/sys/unix"
)

// The seccomp agent (SCMP_ACT_NOTIFY): the start message carries the
// runtime's connection to linux.seccomp.listenerPath and the message to
// send on it, the ContainerProcessState JSON. Once the filter is loaded,
// its listener fd goes to the agent with that message, and both are closed
// before execve (the listener is close-on-exec anyway).
var agent = struct {
	conn int
	msg  []byte
}{conn: -1}

// keepAgent keeps the agent connection a start message carries: exactly
// one fd with an AAgentState attribute. Any other fd is closed.
func keepAgent(attrs []nsexec.Attr, fds []int) {
	for _, a := range attrs {
		if a.Type == nsexec.AAgentState && len(fds) == 1 && agent.conn < 0 {
			agent.conn, agent.msg = fds[0], a.Val
			return
		}
	}
	closeFDs(fds)
}

func closeFDs(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// loadSeccomp installs the compiled filter on this thread, last before
// execve (see seccomp.Load for the rules it follows), and hands a notify
// filter's listener to the agent.
func loadSeccomp(image []byte, flags uint) error {
	if flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER == 0 {
		return seccomp.Load(image, flags)
	}
	if agent.conn < 0 {
		return errors.New("the seccomp profile uses SCMP_ACT_NOTIFY but no connection to its agent (listenerPath) was passed")
	}
	defer func() {
		unix.Close(agent.conn)
		agent.conn = -1
	}()
	listener, err := seccomp.LoadListener(image, flags)
	if err != nil {
		return err
	}
	defer unix.Close(listener)
	if err := unix.Sendmsg(agent.conn, agent.msg, unix.UnixRights(listener), nil, unix.MSG_NOSIGNAL); err != nil {
		return fmt.Errorf("send the seccomp listener to the agent at linux.seccomp.listenerPath: %w", err)
	}
	return nil
}
