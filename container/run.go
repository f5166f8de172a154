package container

import (
	"fmt"
	"os"
	"os/signal"
	"sync/atomic"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// Options describe one container run.
type Options struct {
	Bootstrap *nsexec.Bootstrap
	Timeline  *Timeline // nil unless --debug
	Stdin     *os.File
	Stdout    *os.File
	Stderr    *os.File
	// Cgroup, when set, holds the container from its first instruction.
	Cgroup *Cgroup
	// KeepCgroup leaves the cgroup in place when Run succeeds: the
	// container outlives this runtime process (create, run -d, exec).
	KeepCgroup bool
	// OnPTY receives the container's pty master instead of relaying it to
	// Stdin/Stdout (the OCI --console-socket). It owns the fd.
	OnPTY func(fd int) error
	// Detach returns as soon as the container waits on its exec fifo or
	// its command runs, instead of waiting for it to exit.
	Detach bool
	// Started is told init's host PID once start-up succeeded. An error
	// from it fails the run (and kills the container).
	Started func(pid int) error
	// Released, with Bootstrap.WaitStart, runs once init has been sent
	// its start message: the command is on its way.
	Released func()
	// SweepDeadRuns: while the container runs, remove the cgroups that
	// SIGKILLed earlier runs left under the same parent (`run`, whose
	// cgroups are named after their runtime; OCI containers are deleted
	// by ID instead).
	SweepDeadRuns bool
	// StartMessage, when set, makes the start message init waits for
	// (MSG_START) for the process pid and the fds to pass with it; the
	// fds are closed once sent. Run calls it after Started.
	StartMessage func(pid int) (*nsexec.Frame, []int, error)
	// PrePivot, with Bootstrap.HookPause, runs while init waits before
	// pivot_root with its root attached at its host path (the hooks
	// config.md puts there). An error fails the start.
	PrePivot func(pid int) error
	// PreserveFds (--preserve-fds N): the caller's fds 3 to 3+N-1 reach
	// the process too.
	PreserveFds int
	// Stop, when set, makes a SIGINT or SIGTERM end the container for
	// sure: SIGKILL after Stop.Timeout (the friendly `run`).
	Stop *StopPolicy
}

// forwarded are the signals the runtime passes on to PID 1, as docker's
// sig-proxy does. SIGURG is never among them: Go's scheduler sends it to
// itself to preempt goroutines. SIGWINCH is handled, not forwarded.
var forwarded = []os.Signal{unix.SIGINT, unix.SIGTERM, unix.SIGHUP, unix.SIGQUIT, unix.SIGUSR1, unix.SIGUSR2}

// startup is what the parent learned from the stages while they started.
type startup struct {
	initPID   int
	ready     bool // init waits on the exec fifo
	failure   *Error
	execStart uint64
	// init waits before pivot_root for PrePivot (MsgHooks), which needs
	// its PID: stage-1's message may come after init's.
	hooksAsked, hooksRan bool
}

// Run starts the container, relays signals and the terminal, waits for
// PID 1 and returns the exit code the CLI should use: the command's own
// status, 128+N when signal N killed it, or a runtime error.
func Run(o Options) (int, error) {
	r := &runner{o: o}
	sigs := make(chan os.Signal, 32)
	signal.Notify(sigs, append(forwarded, unix.SIGWINCH)...)
	defer signal.Stop(sigs)
	// Children's exits arrive as SIGCHLD on a channel: waiting on it parks
	// the goroutine, where a blocking wait4 would keep Go's sysmon thread
	// polling every few microseconds for as long as the container runs.
	r.chld = make(chan os.Signal, 1)
	signal.Notify(r.chld, unix.SIGCHLD)
	defer signal.Stop(r.chld)

	r.so = nsexec.StartOptions{
		Stdio:       [3]int{int(o.Stdin.Fd()), int(o.Stdout.Fd()), int(o.Stderr.Fd())},
		CgroupFD:    -1,
		PreserveFds: o.PreserveFds,
	}
	if o.Cgroup != nil {
		release, err := r.cgroupFirst()
		if err != nil {
			return ExitRuntime, err
		}
		defer release()
	}
	if err := r.spawn(); err != nil {
		return ExitRuntime, err
	}
	defer r.sock.Close()

	defer func() { r.con.Load().close() }()
	ready, done := make(chan struct{}), make(chan struct{})
	// Once Run returns, init is reaped and its PID may be reused: the
	// relay must never signal it again.
	defer close(done)
	go relaySignals(relay{sigs: sigs, ready: ready, done: done, pid: &r.initPID, con: &r.con, stop: o.Stop, stderr: o.Stderr})

	su, err := readStartup(r.sock, o, &r.initPID, ready, &r.con)
	if code, err := r.settleStartup(su, err); err != nil {
		return code, err
	}
	if err := r.release(su); err != nil {
		killAndReap(su.initPID)
		return ExitRuntime, err
	}
	if o.Detach {
		r.succeeded = true
		return 0, nil
	}
	return r.wait(su)
}

// runner is one Run: what its steps share.
type runner struct {
	o         Options
	chld      chan os.Signal
	so        nsexec.StartOptions
	stage     *nsexec.Stage
	sock      *os.File
	con       atomic.Pointer[console]
	initPID   atomic.Int64
	succeeded bool   // the container started (and, in the foreground, ended) well
	oomBefore uint64 // exec: the container's OOM kills before its process started
}

// cgroupFirst readies the container's cgroup before stage-1 exists: on
// v2 stage-1 is born in it, on v1 it joins before it reads its bootstrap,
// so init and everything it runs start inside. release removes it on
// every way out of Run (normal exit, start-up error, signal) unless the
// container outlives Run; a SIGKILLed runtime leaves it to SweepDeadRuns.
func (r *runner) cgroupFirst() (release func(), err error) {
	cg := r.o.Cgroup
	// Before the removal is armed: a cgroup found frozen may be someone
	// else's, and nothing was created yet.
	if err := cg.checkThawed(); err != nil && !cg.lateJoin {
		return nil, Errorf(ExitRuntime, "start container: %w", err)
	}
	remove := func() {
		if cg.joinOnly || (r.o.KeepCgroup && r.succeeded) {
			return
		}
		if err := cg.remove(); err != nil {
			fmt.Fprintf(r.o.Stderr, "mycontainer: remove cgroup %s/%s: %v\n", cg.Parent, cg.ID, err)
		}
	}
	if cg.joinOnly && !r.o.Detach {
		r.oomBefore = cg.oomKills()
	}
	t := Now()
	fd, err := cg.prepare()
	if err != nil {
		remove()
		return nil, Errorf(ExitRuntime, "create cgroup %s/%s: %w", cg.Parent, cg.ID, err)
	}
	r.so.CgroupFD = fd
	r.so.BeforeBootstrap = func(pid int) error {
		if err := cg.join(pid); err != nil {
			return fmt.Errorf("join cgroup %s/%s: %w", cg.Parent, cg.ID, err)
		}
		r.o.Timeline.Add("cgroups", t, Now())
		return nil
	}
	return func() {
		if fd >= 0 {
			unix.Close(fd)
		}
		remove()
	}, nil
}

// spawn starts stage-1 with the bootstrap and puts the sync socket under
// Go's poller, so reading it parks the goroutine (as the SIGCHLD wait
// does) instead of blocking a thread.
func (r *runner) spawn() error {
	t := Now()
	st, err := nsexec.Start(r.o.Bootstrap, r.so)
	if err != nil {
		return Errorf(ExitRuntime, "start container: %w", err)
	}
	r.stage = st
	if r.sock, err = pollable(st.Sock); err != nil {
		killAndReap(st.PID)
		return Errorf(ExitRuntime, "start container: %w", err)
	}
	r.o.Timeline.Add("spawn", t, Now())
	return nil
}

// settleStartup reaps stage-1 and turns a failed start-up into the run's
// error, with init killed if it exists.
func (r *runner) settleStartup(su *startup, err error) (int, error) {
	if err != nil && su.failure == nil {
		// The read itself failed: that is the error to report, not the
		// missing PID it leads to.
		su.failure = &Error{Code: ExitRuntime, Msg: err.Error(), Err: err}
	}
	reapStage1(r.stage.PID, su, r.chld, r.o.Timeline)
	if err != nil || su.failure != nil {
		if su.initPID > 0 {
			killAndReap(su.initPID)
		}
		if su.failure != nil {
			return su.failure.Code, su.failure
		}
		return ExitRuntime, err
	}
	if su.execStart != 0 {
		r.o.Timeline.Add("exec", su.execStart, Now())
	}
	return 0, nil
}

// release records the started container (Started), then lets init go
// on: the start message of a foreground run --bundle, the hand-over of a
// created container. The caller kills init when it fails.
func (r *runner) release(su *startup) error {
	if cg := r.o.Cgroup; cg != nil && cg.lateJoin {
		// Set up and waiting for its start message: it joins the
		// (frozen) cgroup now, and reads the message once thawed.
		if err := cg.addExec(su.initPID); err != nil {
			return Errorf(ExitRuntime, "join cgroup %s/%s: %w", cg.Parent, cg.ID, err)
		}
	}
	if r.o.Started != nil {
		if err := r.o.Started(su.initPID); err != nil {
			return err
		}
	}
	start, fds := nsexec.NewFrame(nsexec.MsgStart), []int(nil)
	if r.o.StartMessage != nil {
		var err error
		if start, fds, err = r.o.StartMessage(su.initPID); err != nil {
			return err
		}
		defer closeAll(fds)
	}
	if r.o.Bootstrap.WaitStart {
		if err := nsexec.Send(int(r.sock.Fd()), start, fds...); err != nil {
			return Errorf(ExitRuntime, "start container: send the start message: %w", err)
		}
		if r.o.Released != nil {
			r.o.Released()
		}
	}
	if r.o.Bootstrap.ExecFifo != "" {
		// create: the state is saved, init may now outlive us.
		return handOver(r.sock, start, fds)
	}
	return nil
}

// wait waits for PID 1 while sweeping what SIGKILLed runs left behind,
// and names an OOM kill.
func (r *runner) wait(su *startup) (int, error) {
	o := r.o
	swept := make(chan error, 1)
	go func() {
		if o.Cgroup == nil || !o.SweepDeadRuns {
			swept <- nil
			return
		}
		swept <- SweepDeadRuns(o.Cgroup.Mode, o.Cgroup.Parent)
	}()
	code, err := waitInit(su.initPID, r.chld, o.Timeline)
	r.initPID.Store(0) // reaped: its PID is free for reuse
	r.succeeded = err == nil
	if serr := <-swept; serr != nil {
		fmt.Fprintf(o.Stderr, "mycontainer: warning: sweep cgroups of dead runs: %v\n", serr)
	}
	if err != nil || o.Cgroup == nil {
		return code, err
	}
	if o.Cgroup.joinOnly {
		// exec: the container's cgroup may have seen kills before this
		// process, and another of its processes may be the one killed
		// now. Only a SIGKILLed process with a kill counted meanwhile
		// is named; its 137 stays (runc's exec gives 128+signal too).
		if code == 128+int(unix.SIGKILL) && o.Cgroup.oomKills() > r.oomBefore {
			return code, Errorf(code, "the kernel's OOM killer killed the process: the container reached its memory limit%s", o.Cgroup.describeMemory())
		}
		return code, nil
	}
	if o.Cgroup.oomKills() > 0 {
		return 137, Errorf(137, "the kernel's OOM killer killed the container: it reached its memory limit%s", o.Cgroup.describeMemory())
	}
	return code, nil
}

// readStartup reads frames until every stage has exec'd or closed its end.
func readStartup(sock *os.File, o Options, initPID *atomic.Int64, ready chan struct{}, con *atomic.Pointer[console]) (*startup, error) {
	su := &startup{}
	defer func() {
		select {
		case <-ready:
		default:
			close(ready)
		}
	}()
	rc, err := sock.SyscallConn()
	if err != nil {
		return su, Errorf(ExitRuntime, "read from container stages: %w", err)
	}
	for {
		var b []byte
		var fds []int
		rerr := rc.Read(func(fd uintptr) bool {
			b, fds, err = nsexec.Recv(int(fd))
			return err != unix.EAGAIN // EAGAIN: park until readable
		})
		if err == nil {
			err = rerr
		}
		if err != nil {
			return su, Errorf(ExitRuntime, "read from container stages: %w", err)
		}
		if b == nil {
			break // end of stream: the command is running
		}
		typ, attrs, err := nsexec.ParseFrame(b)
		if err != nil {
			closeAll(fds)
			return su, Errorf(ExitRuntime, "read from container stages: %w", err)
		}
		done, err := su.handle(typ, attrs, fds, o, initPID, con)
		if err == nil {
			err = su.prePivot(sock, o)
		}
		if done || err != nil {
			return su, err
		}
	}
	return su, nil
}

// prePivot runs PrePivot once init asked for it and its PID is known,
// then lets init go on to pivot_root.
func (su *startup) prePivot(sock *os.File, o Options) error {
	if !su.hooksAsked || su.hooksRan || su.initPID == 0 {
		return nil
	}
	su.hooksRan = true
	if o.PrePivot == nil {
		return Errorf(ExitRuntime, "container init waits for hooks that nobody runs")
	}
	if err := o.PrePivot(su.initPID); err != nil {
		return err
	}
	if err := nsexec.Send(int(sock.Fd()), nsexec.NewFrame(nsexec.MsgHooksDone)); err != nil {
		return Errorf(ExitRuntime, "start container: let init go on after the hooks: %w", err)
	}
	return nil
}

// handle takes one start-up frame. done: init's PID is known and init
// waits for its start, so nothing more comes before it.
func (su *startup) handle(typ uint32, attrs []nsexec.Attr, fds []int, o Options, initPID *atomic.Int64, con *atomic.Pointer[console]) (done bool, err error) {
	switch typ {
	case nsexec.MsgPID:
		pid, err := attrU32(attrs, nsexec.LPID)
		if err != nil || pid == 0 {
			return false, Errorf(ExitRuntime, "stage-1 sent a bad init PID: %w", err)
		}
		su.initPID = int(pid)
		initPID.Store(int64(pid))
		return su.ready, nil
	case nsexec.MsgLog:
		name, start, end := decodeLog(attrs)
		if name == "exec" {
			su.execStart = start
		} else {
			o.Timeline.Add(name, start, end)
		}
	case nsexec.MsgError:
		su.failure = decodeError(attrs)
	case nsexec.MsgReady:
		// Set up and waiting for its start. init and stage-1 write to
		// the socket independently: under load init's READY can come
		// before stage-1's PID, so wait for both.
		su.ready = true
		return su.initPID != 0, nil
	case nsexec.MsgPTY:
		return false, su.takePTY(fds, o, con)
	case nsexec.MsgHooks:
		su.hooksAsked = true
	default:
		closeAll(fds)
	}
	return false, nil
}

// takePTY hands the container's pty master to --console-socket, or
// relays it to this process's terminal.
func (su *startup) takePTY(fds []int, o Options, con *atomic.Pointer[console]) error {
	if len(fds) != 1 {
		closeAll(fds)
		return Errorf(ExitRuntime, "container sent %d fds for its terminal, want 1", len(fds))
	}
	if o.OnPTY != nil {
		if err := o.OnPTY(fds[0]); err != nil {
			return Errorf(ExitRuntime, "hand over the terminal: %w", err)
		}
		return nil
	}
	c, err := startConsole(fds[0], o.Stdin, o.Stdout)
	if err != nil {
		return Errorf(ExitRuntime, "attach terminal: %w", err)
	}
	con.Store(c)
	return nil
}

// handOver tells a created container's init that `create` recorded it,
// and waits until init has stopped dying with this process (it closes its
// end of the socket then). Before that, a SIGKILLed create takes its init
// along (init/main.go: adopted).
func handOver(sock *os.File, start *nsexec.Frame, fds []int) error {
	if err := nsexec.Send(int(sock.Fd()), start, fds...); err != nil {
		return Errorf(ExitRuntime, "hand the container over to its engine: send: %w", err)
	}
	rc, err := sock.SyscallConn()
	if err != nil {
		return Errorf(ExitRuntime, "hand the container over to its engine: %w", err)
	}
	for {
		var b []byte
		var fds []int
		rerr := rc.Read(func(fd uintptr) bool {
			b, fds, err = nsexec.Recv(int(fd))
			return err != unix.EAGAIN
		})
		closeAll(fds)
		if err == nil {
			err = rerr
		}
		if err != nil {
			return Errorf(ExitRuntime, "hand the container over to its engine: wait for init: %w", err)
		}
		if b == nil {
			return nil // init closed its end: adopted
		}
		// A late error frame from init means it failed instead.
		if typ, attrs, perr := nsexec.ParseFrame(b); perr == nil && typ == nsexec.MsgError {
			return decodeError(attrs)
		}
	}
}

// reapStage1 collects stage-1, which exits right after cloning init. An
// unexplained failure of it becomes the run's error.
func reapStage1(pid int, su *startup, chld <-chan os.Signal, tl *Timeline) {
	var ru unix.Rusage
	ws, _ := waitPID(pid, chld, &ru) // it is our child: only EINTR could fail
	tl.addCPU("stage-1", &ru)
	if su.failure == nil && su.initPID == 0 {
		su.failure = Errorf(ExitRuntime, "start container: stage-1 exited with %s and no message", describe(ws))
	}
}

func waitInit(pid int, chld <-chan os.Signal, tl *Timeline) (int, error) {
	var ru unix.Rusage
	ws, err := waitPID(pid, chld, &ru)
	tl.addCPU("init", &ru)
	if err != nil {
		return ExitRuntime, Errorf(ExitRuntime, "wait for container init (pid %d): %w", pid, err)
	}
	if ws.Signaled() {
		return 128 + int(ws.Signal()), nil
	}
	return ws.ExitStatus(), nil
}

// waitPID waits for a child to exit, parked on SIGCHLD between checks.
// ru, if not nil, receives what the child used.
func waitPID(pid int, chld <-chan os.Signal, ru *unix.Rusage) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for {
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, ru)
		switch {
		case err == unix.EINTR:
		case err != nil:
			return ws, err
		case got == pid:
			return ws, nil
		default:
			<-chld
		}
	}
}

// pollable puts a socket under Go's poller, so reading it parks the
// goroutine instead of blocking a thread. The *os.File owns the fd.
func pollable(fd int) (*os.File, error) {
	if err := unix.SetNonblock(fd, true); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("make the sync socket non-blocking: %w", err)
	}
	return os.NewFile(uintptr(fd), "sync-socket"), nil
}

// killAndReap makes sure a half-started init is gone. Killing PID 1 of a
// PID namespace kills every process in it.
func killAndReap(pid int) {
	_ = unix.Kill(pid, unix.SIGKILL) // it may have exited already
	var ws unix.WaitStatus
	for {
		if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
			return
		}
	}
}

func describe(ws unix.WaitStatus) string {
	if ws.Signaled() {
		return "signal " + ws.Signal().String()
	}
	return fmt.Sprintf("status %d", ws.ExitStatus())
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
