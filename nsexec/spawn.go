package nsexec

import (
	"fmt"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// Stage is a started stage-1 process and the parent's end of its socket.
type Stage struct {
	Sock int // the parent's end of the SEQPACKET socketpair
	PID  int // stage-1, which exits once init is cloned
}

// StartOptions tune how stage-1 is started.
type StartOptions struct {
	// Stdio are the fds that become the container's 0, 1 and 2.
	Stdio [3]int
	// BeforeBootstrap runs with stage-1's PID before the bootstrap is sent,
	// while stage-1 is blocked reading it: the place to put it into cgroups,
	// so that init (cloned later) starts inside them.
	BeforeBootstrap func(pid int) error
	// PreserveFds (--preserve-fds N) passes the caller's fds 3 to 3+N-1
	// on to the container's process, at the same numbers.
	PreserveFds int
	// CgroupFD, when >= 0, is a cgroup v2 directory that stage-1 is born
	// in (clone3 CLONE_INTO_CGROUP): no window in which it runs outside.
	CgroupFD int
}

// Start re-executes the runtime as stage-1 and sends it the bootstrap.
func Start(bs *Bootstrap, o StartOptions) (*Stage, error) {
	frame := bs.Frame().Bytes()
	if len(frame) > maxFrame {
		return nil, fmt.Errorf("bootstrap message is %d bytes, more than the %d allowed: too many or too long arguments, env vars or mounts", len(frame), maxFrame)
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("socketpair: %w", err)
	}
	parent, child := fds[0], fds[1]
	if len(frame) > 200<<10 {
		// A SEQPACKET message must fit in the send buffer whole.
		if err := unix.SetsockoptInt(parent, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, len(frame)+4096); err != nil {
			unix.Close(parent)
			unix.Close(child)
			return nil, fmt.Errorf("grow socket buffer for a %d-byte bootstrap: %w", len(frame), err)
		}
	}

	exe, closeExe, err := executable()
	if err != nil {
		unix.Close(parent)
		unix.Close(child)
		return nil, err
	}
	// Stage-1 gets fds 0-2, the N preserved ones and the socket (as fd
	// 3+N). ForkExec does not close anything else: fds the runtime's
	// caller left without close-on-exec reach stage-1 too, and the
	// constructor's close_range (take_sync_socket in nsexec.c) closes them
	// before anything else.
	files := []uintptr{uintptr(o.Stdio[0]), uintptr(o.Stdio[1]), uintptr(o.Stdio[2])}
	for i := 0; i < o.PreserveFds; i++ {
		files = append(files, uintptr(3+i))
	}
	attr := &syscall.ProcAttr{
		Env:   []string{envInitPipe + "=" + strconv.Itoa(len(files)), "GOMAXPROCS=1"},
		Files: append(files, uintptr(child)),
	}
	if o.PreserveFds > 0 {
		attr.Env = append(attr.Env, envPreserve+"="+strconv.Itoa(o.PreserveFds))
	}
	if o.CgroupFD >= 0 {
		attr.Sys = &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: o.CgroupFD}
	}
	pid, err := syscall.ForkExec(exe, []string{"mycontainer:[stage-1]"}, attr)
	closeExe()
	unix.Close(child)
	if err != nil {
		unix.Close(parent)
		return nil, fmt.Errorf("start stage-1 (%s): %w", exe, err)
	}
	st := &Stage{Sock: parent, PID: pid}
	fail := func(err error) (*Stage, error) {
		_ = unix.Kill(pid, unix.SIGKILL)
		var ws unix.WaitStatus
		_, _ = unix.Wait4(pid, &ws, 0, nil)
		unix.Close(parent)
		return nil, err
	}
	if o.BeforeBootstrap != nil {
		if err := o.BeforeBootstrap(pid); err != nil {
			return fail(err)
		}
	}
	if err := unix.Sendmsg(parent, frame, nil, nil, unix.MSG_NOSIGNAL); err != nil {
		return fail(fmt.Errorf("send bootstrap to stage-1: %w", err))
	}
	return st, nil
}

// PreservedFds is, in a container's process, how many fds from 3 on the
// caller passed with --preserve-fds: they stay open across the exec.
func PreservedFds() int {
	n, err := strconv.Atoi(os.Getenv(envPreserve))
	if err != nil || n < 0 {
		return 0
	}
	return n
}
