package containerinit

import (
	"errors"
	"os"

	"mycontainer/nsexec"
	"mycontainer/rootfs"
	"mycontainer/spec"

	"golang.org/x/sys/unix"
)

// Main runs the init stage. It never returns.
func Main() {
	start := now()
	r := &reporter{sock: nsexec.SyncFD()}
	bs, err := nsexec.ParseBootstrap(nsexec.BootstrapFrame())
	if err != nil {
		r.fail("decode bootstrap", "", err, "", exitRuntime)
	}
	r.debug = bs.Debug
	if ready := nsexec.ReadyNS(); ready != 0 {
		start = ready // the Go runtime booted between the two
	}
	r.step("go runtime start", start)
	if bs.MountHelper {
		mountHelper(r, bs) // never returns
	}

	// A new session: the container must not share the host terminal's job
	// control, and a tty needs a session leader to become controlling.
	if _, err := unix.Setsid(); err != nil {
		r.fail("setsid", "", err, "", exitRuntime)
	}
	x := decodeExtras(r, bs)
	if !bs.Exec {
		// Device nodes and mount points get exactly the modes asked for.
		unix.Umask(0)
		if err := checkSharedTree(bs, x); err != nil {
			r.fail("set up the root", "/", err, "the container has no mount namespace of its own", exitRuntime)
		}
		setupRoot(r, bs)
		finishRoot(r, x)
		if bs.Loopback {
			t := now()
			if err := loopbackUp(); err != nil {
				r.fail("bring up lo", "lo", err, "", exitRuntime)
			}
			r.step("loopback up", t)
		}
		unix.Umask(0o022)
	}

	if len(bs.Args) == 0 {
		// create of a config with no process (config.md: OPTIONAL until
		// start): set up, then wait; start refuses to release it.
		waitWithoutProcess(r, bs)
	}
	path := resolveCommand(r, bs)
	if bs.TTY {
		t := now()
		if err := setupPTY(r.sock, bs.Rows, bs.Cols, bs.UID, !bs.Exec); err != nil {
			r.fail("set up the terminal", "/dev/ptmx", err, "", exitRuntime)
		}
		r.step("pty", t)
	}
	enterWorkdir(r, bs)
	prepareProcess(r, x)
	if fd := nsexec.FifoFD(); fd >= 0 {
		waitForStart(r, bs, fd)
	} else if bs.WaitStart {
		reportReady(r)
		waitForStartMessage(r)
		if !bs.Owned {
			outliveRuntime(r, bs)
		}
	}
	execCommand(r, bs, path, x) // runs the startContainer hooks last

}

// waitForStart is `create`: the container is set up and waits, until
// `start` opens the exec fifo, before anything of the command runs. The
// parent is told first, so `create` can return.
func waitForStart(r *reporter, bs *nsexec.Bootstrap, fifo int) {
	reportReady(r)
	adopted(r, bs)
	// Opening a fifo for writing blocks until a reader opens it.
	f, err := reopenFifo(fifo)
	if err != nil {
		r.fail("wait for start on the exec fifo", "", err, "", exitRuntime)
	}
	_, err = f.Write([]byte{0})
	f.Close()
	unix.Close(fifo)
	if err != nil {
		r.fail("signal start on the exec fifo", "", err, "", exitRuntime)
	}
}

// adopted waits until `create` has recorded the container as created and
// only then gives up dying with it. Until here PR_SET_PDEATHSIG (set by
// the constructor) kills this init if `create` is SIGKILLed half-way:
// nobody could ever start or find such a container, and it would wait
// on its fifo for good. The parent's start message says the state is
// saved; closing the socket answers it, and `create` returns on that.
func adopted(r *reporter, bs *nsexec.Bootstrap) {
	waitForStartMessage(r)
	outliveRuntime(r, bs)
	unix.Close(r.sock)
	r.sock = -1
}

// outliveRuntime clears the parent-death signal once the runtime has
// saved the container's state: from then on the container is found by
// its state, and lives on without the runtime, as runc's does.
func outliveRuntime(r *reporter, bs *nsexec.Bootstrap) {
	if err := unix.Prctl(unix.PR_SET_PDEATHSIG, 0, 0, 0, 0); err != nil {
		r.fail("prctl PR_SET_PDEATHSIG 0", "", err, "", exitRuntime)
	}
	bs.Pdeathsig = false // and execCommand must not arm it again
}

// waitForStartMessage is the foreground `run --bundle`: its runtime stays,
// so the start signal comes over the sync socket and no fifo is made (a
// fifo is two more inode operations in the state directory per start).
func waitForStartMessage(r *reporter) {
	for {
		b, fds, err := nsexec.Recv(r.sock)
		if err != nil {
			closeFDs(fds)
			r.fail("wait for the start message", "", err, "", exitRuntime)
		}
		if b == nil {
			// The runtime went away (or chose not to start us): the
			// command must not run without its cgroup rules and hooks.
			closeFDs(fds)
			os.Exit(exitRuntime)
		}
		typ, attrs, err := nsexec.ParseFrame(b)
		if err != nil || typ != nsexec.MsgStart {
			closeFDs(fds) // only a start message may carry one
			continue
		}
		keepAgent(attrs, fds) // closes fds it does not keep
		return
	}
}

// reportReady tells the parent the container is set up and waits for its
// start. From here nobody may read the socket any more (`create` returns),
// so a failure also goes to the container's stderr.
func reportReady(r *reporter) {
	if err := nsexec.Send(r.sock, nsexec.NewFrame(nsexec.MsgReady)); err != nil {
		r.fail("report ready", "", err, "", exitRuntime)
	}
	r.detached = true
}

// reopenFifo opens the exec fifo for writing through its O_PATH fd. A
// chroot'ed root (no mount namespace of its own) has no /proc of the
// runtime's: the constructor kept an fd of it for this one use.
func reopenFifo(fifo int) (*os.File, error) {
	proc := nsexec.ProcFD()
	if proc < 0 {
		return os.OpenFile("/proc/self/fd/"+itoa(fifo), os.O_WRONLY, 0)
	}
	defer unix.Close(proc)
	fd, err := unix.Openat(proc, "self/fd/"+itoa(fifo), unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: "/proc/self/fd/" + itoa(fifo), Err: err}
	}
	return os.NewFile(uintptr(fd), "exec fifo"), nil
}

func itoa(n int) string {
	b := make([]byte, 0, 8)
	if n == 0 {
		return "0"
	}
	for ; n > 0; n /= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
	}
	return string(b)
}

// setupRoot carries out the mount plan, in order, inside the new root.
func setupRoot(r *reporter, bs *nsexec.Bootstrap) {
	root, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open new root", "/", err, "", exitRuntime)
	}
	defer unix.Close(root)
	applyMounts(r, root, bs.Mounts)
}

// applyMounts carries out mount steps, in order, under root: init's new
// "/", or the mount helper's root as attached for the hooks.
func applyMounts(r *reporter, root int, mounts []nsexec.Mount) {
	binds := nsexec.BindFDs()
	for _, m := range mounts {
		t := now()
		if err := rootfs.Apply(root, m, binds); err != nil {
			me, _ := err.(*rootfs.MountError)
			if me != nil {
				r.fail(me.Step+" on", me.Path, me.Err, me.Hint, exitRuntime)
			}
			r.fail("mount", m.Target, err, "", exitRuntime)
		}
		name := m.Target
		if m.Kind == nsexec.MountDevices {
			name = m.Target + " nodes"
		}
		r.step(name, t)
	}
	for _, fd := range binds {
		unix.Close(fd)
	}
}

// enterWorkdir changes into the working directory, creating it when it is
// missing as runc does. It is resolved inside the root.
func enterWorkdir(r *reporter, bs *nsexec.Bootstrap) {
	cwd := bs.Cwd
	if cwd == "" {
		cwd = "/"
	}
	root, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open new root", "/", err, "", exitRuntime)
	}
	fd, err := rootfs.MkdirAllInRoot(root, cwd, 0o755, false)
	unix.Close(root)
	if err != nil {
		r.fail("enter working directory", cwd, err, "", exitRuntime)
	}
	err = unix.Fchdir(fd)
	unix.Close(fd)
	if err != nil {
		r.fail("enter working directory", cwd, err, "", exitRuntime)
	}
	checkWorkdir(r, cwd)
}

// checkWorkdir is the last guard of CVE-2024-21626: wherever resolving
// the path led, the directory entered must be inside the container's root
// (getcwd(2) says "(unreachable)" otherwise) and not one of /proc's fd
// directories.
func checkWorkdir(r *reporter, cwd string) {
	wd, err := unix.Getwd()
	if err == unix.ENOENT {
		// x/sys turns getcwd's "(unreachable)/..." into ENOENT.
		r.fail("check working directory", cwd, err, "it is outside the container's root, or removed", exitRuntime)
	}
	if err != nil {
		r.fail("check working directory", cwd, err, "", exitRuntime)
	}
	if err := spec.CheckCwd(wd); err != nil {
		r.fail("check working directory", cwd, unix.EPERM, err.Error(), exitRuntime)
	}
}

func envPath(env []string) string {
	for i := len(env) - 1; i >= 0; i-- {
		if len(env[i]) > 5 && env[i][:5] == "PATH=" {
			return env[i][5:]
		}
	}
	return os.Getenv("PATH")
}

// waitWithoutProcess is init of a container created without a process:
// it waits on the exec fifo like any created container, and fails if it
// is ever released (Start refuses to, so only a hand-opened fifo can).
func waitWithoutProcess(r *reporter, bs *nsexec.Bootstrap) {
	if fd := nsexec.FifoFD(); fd >= 0 {
		waitForStart(r, bs, fd)
	}
	r.fail("start", "process", errors.New("config.json has no process to run"), "config.md requires a process for start", exitRuntime)
}
