package container

import (
	"errors"
	"fmt"
	"os"
	"time"

	"mycontainer/spec"
	"mycontainer/state"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// load reads a container's state and spec.
func (o *OCI) load(id string) (*loaded, error) {
	if err := state.ValidID(id); err != nil {
		return nil, err
	}
	st, err := o.Store.Load(id)
	if err != nil {
		return nil, err
	}
	l := &loaded{st: st, spec: &specs.Spec{}}
	if len(st.Config) > 0 {
		if l.spec, l.seccompRaw, err = spec.DecodeStored(st.Config); err != nil {
			return nil, fmt.Errorf("container %s: stored config: %w", id, err)
		}
	}
	return l, nil
}

// Start releases a created container: its init is blocked opening the
// exec fifo for writing, and opening it for reading lets it go on to exec.
func (o *OCI) Start(id string) error {
	l, unlock, err := o.lockAndLoad(id)
	if err != nil {
		return err
	}
	defer unlock()
	switch s := l.st.Status(); s {
	case state.StatusCreated:
	default:
		return fmt.Errorf("container %s is %s, not created: cannot start it", id, s)
	}
	if l.spec.Process == nil {
		// config.md: process MUST be present when start is called. The
		// container stays created: kill and delete still work.
		return fmt.Errorf("start container %s: its config.json has no process, so there is nothing to run (config.md requires one for start); delete it and create it again with a process", id)
	}
	return o.release(l.st, l.spec)
}

func (o *OCI) release(st *state.State, s *specs.Spec) error {
	fifo := o.Store.ExecFifo(st.ID)
	// O_NONBLOCK: a reader's open never waits; init, blocked in its open
	// for writing, is released by it and writes one byte.
	fd, err := unix.Open(fifo, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open exec fifo %s: %w", fifo, err)
	}
	defer unix.Close(fd)
	buf := make([]byte, 1)
	got := func() (bool, error) {
		n, err := unix.Read(fd, buf)
		if n == 1 {
			return true, nil
		}
		if err != nil && err != unix.EAGAIN && err != unix.EINTR {
			return false, fmt.Errorf("read exec fifo: %w", err)
		}
		return false, nil
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		ok, err := got()
		if err != nil {
			return err
		}
		if ok {
			break
		}
		// Read again after the liveness check: init may have written its
		// byte, exec'd and exited (a short command) in between, and the
		// byte still waits in the fifo. Seen in bench/'s 50-at-once run.
		alive := state.Alive(st.Pid, st.PidStart)
		if ok, err := got(); err != nil || ok {
			if err != nil {
				return err
			}
			break
		}
		if !alive {
			return fmt.Errorf("container %s: init (pid %d) exited before it was started", st.ID, st.Pid)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("container %s: init did not take the start signal within 10s", st.ID)
		}
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		_, _ = unix.Poll(pfd, 100) // a timeout or EINTR just loops
	}
	if err := os.Remove(fifo); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove exec fifo: %w", err)
	}
	st.Started = true
	if err := o.Store.Save(st); err != nil {
		return err
	}
	o.poststart(st, s)
	return nil
}

// poststart runs the poststart hooks. A failure is a warning and the
// next hook still runs (config.md): the container runs.
func (o *OCI) poststart(st *state.State, s *specs.Spec) {
	if s.Hooks != nil {
		warnRuntimeHooks("poststart", s.Hooks.Poststart, st, state.StatusRunning, o.Log.Warnf)
	}
}

// lockAndLoad takes the container's lock, then reads its state and spec:
// the start of every read-modify-write verb.
func (o *OCI) lockAndLoad(id string) (*loaded, func(), error) {
	unlock, err := o.lockExisting(id)
	if err != nil {
		return nil, nil, err
	}
	l, err := o.load(id)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	return l, unlock, nil
}

// lockExisting takes the container's lock, refusing unknown ids first.
func (o *OCI) lockExisting(id string) (func(), error) {
	if err := state.ValidID(id); err != nil {
		return nil, err
	}
	if _, err := os.Stat(o.Store.Dir(id)); err != nil {
		return nil, fmt.Errorf("%w: %s", state.ErrNotExist, id)
	}
	return o.Store.Lock(id)
}
