package container

import (
	"encoding/json"
	"fmt"

	"mycontainer/nsexec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// maxAgentMessage keeps the start message within what init receives.
const maxAgentMessage = 6 << 10

// agentMessage is the start message of a container whose seccomp profile
// has SCMP_ACT_NOTIFY rules: it carries this runtime's connection to
// linux.seccomp.listenerPath and the ContainerProcessState the
// runtime-spec says the agent gets. init sends both, with the filter's
// listener fd, once it has loaded the filter right before execve.
func (k *creation) agentMessage(pid int) (*nsexec.Frame, []int, error) {
	return agentStart(k.s.Linux.Seccomp, pid, specs.State{Version: specs.Version, ID: k.st.ID,
		Status: specs.StateCreated, Pid: pid, Bundle: k.st.Bundle, Annotations: k.st.Annotations})
}

// agentState is the ContainerProcessState the agent gets, refused when
// the start message carrying it would not fit what init receives
// (nsexec's frame limit).
func agentState(sc *specs.LinuxSeccomp, pid int, st specs.State) ([]byte, error) {
	msg, err := json.Marshal(specs.ContainerProcessState{
		Version: specs.Version, Fds: []string{specs.SeccompFdName}, Pid: pid, Metadata: sc.ListenerMetadata, State: st,
	})
	if err != nil {
		return nil, err
	}
	if len(msg) > maxAgentMessage {
		return nil, fmt.Errorf("linux.seccomp: the seccomp agent's message (the runtime-spec's ContainerProcessState) is %d bytes, more than the %d allowed (fewer or shorter annotations, or listenerMetadata)", len(msg), maxAgentMessage)
	}
	return msg, nil
}

// checkAgentState is agentState for the largest PID the kernel hands
// out (pid_max's ceiling, 2^22): create and exec refuse an oversized
// message before anything starts, not once init waits for it.
func checkAgentState(sc *specs.LinuxSeccomp, st specs.State) error {
	st.Pid = 1 << 22
	_, err := agentState(sc, st.Pid, st)
	return err
}

// agentStart builds the start message for process pid of the container
// in state st (an exec's process has a listener of its own).
func agentStart(sc *specs.LinuxSeccomp, pid int, st specs.State) (*nsexec.Frame, []int, error) {
	msg, err := agentState(sc, pid, st)
	if err != nil {
		return nil, nil, err
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("connect to the seccomp agent: socket: %w", err)
	}
	if err := unix.Connect(fd, &unix.SockaddrUnix{Name: sc.ListenerPath}); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("connect to the seccomp agent at linux.seccomp.listenerPath %s: %w (is the agent listening?)", sc.ListenerPath, err)
	}
	f := nsexec.NewFrame(nsexec.MsgStart)
	f.Put(nsexec.AAgentState, msg)
	return f, []int{fd}, nil
}
