package container

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"mycontainer/cgroups"
	"mycontainer/nsexec"
	"mycontainer/seccomp"
	"mycontainer/spec"
	"mycontainer/state"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// StateJSON is what `state` and `list --format json` print: the spec's
// state plus the fields runc adds, which engines read.
type StateJSON struct {
	OCIVersion  string            `json:"ociVersion"`
	ID          string            `json:"id"`
	Pid         int               `json:"pid"`
	Status      string            `json:"status"`
	Bundle      string            `json:"bundle"`
	Rootfs      string            `json:"rootfs"`
	Created     time.Time         `json:"created"`
	Owner       string            `json:"owner"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

func (o *OCI) cgroupOf(st *state.State) (*Cgroup, error) {
	if st.CgroupID == "" {
		return nil, fmt.Errorf("container %s has no cgroup of its own (--cgroup-manager disabled)", st.ID)
	}
	mode, err := cgroups.DetectMode()
	if err != nil {
		return nil, err
	}
	c, err := OpenCgroup(mode, st.CgroupParent, st.CgroupID, nil, true)
	if err == nil {
		c.manager.SetMadeParents(st.CgroupParentsMade)
	}
	return c, err
}

// status adds "paused", which only the freezer knows, to the stored state.
func (o *OCI) status(st *state.State) state.Status {
	s := st.Status()
	if s != state.StatusRunning && s != state.StatusCreated {
		return s
	}
	if cg, err := o.cgroupOf(st); err == nil && cg.paused() {
		return state.StatusPaused
	}
	return s
}

// State reports one container.
func (o *OCI) State(id string) (*StateJSON, error) {
	l, err := o.load(id)
	if err != nil {
		return nil, err
	}
	return o.stateJSON(l.st), nil
}

func (o *OCI) stateJSON(st *state.State) *StateJSON {
	s := o.status(st)
	pid := st.Pid
	if s == state.StatusStopped {
		pid = 0
	}
	return &StateJSON{OCIVersion: specs.Version, ID: st.ID, Pid: pid, Status: string(s), Bundle: st.Bundle,
		Rootfs: st.Rootfs, Created: st.Created, Owner: "root", Annotations: st.Annotations}
}

// List reports every container in the store.
func (o *OCI) List() ([]*StateJSON, error) {
	sts, err := o.Store.List()
	if err != nil {
		return nil, err
	}
	out := []*StateJSON{}
	for _, st := range sts {
		out = append(out, o.stateJSON(st))
	}
	return out, nil
}

// ParseSignal takes a name (TERM, SIGTERM) or a number. 0 sends nothing
// and only checks that the container is alive, as kill(2)'s 0 does.
func ParseSignal(s string) (unix.Signal, error) {
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 64 {
			return 0, fmt.Errorf("signal %d is out of range", n)
		}
		return unix.Signal(n), nil
	}
	name := strings.ToUpper(s)
	if !strings.HasPrefix(name, "SIG") {
		name = "SIG" + name
	}
	if sig := unix.SignalNum(name); sig != 0 {
		return sig, nil
	}
	return 0, fmt.Errorf("unknown signal %q", s)
}

// Kill signals init, or with all every process in the container's cgroup.
func (o *OCI) Kill(id string, sig unix.Signal, all bool) error {
	l, err := o.load(id)
	if err != nil {
		return err
	}
	st := l.st
	if all {
		cg, err := o.cgroupOf(st)
		if err != nil {
			return err
		}
		pids, err := cg.Manager().Pids()
		if err != nil {
			return err
		}
		for _, pid := range pids {
			if err := unix.Kill(pid, sig); err != nil && err != unix.ESRCH {
				return fmt.Errorf("kill %d: %w", pid, err)
			}
		}
		return nil
	}
	// A stored PID may have been reused since: compare start times first.
	if s := st.Status(); s == state.StatusStopped || st.Pid == 0 {
		return fmt.Errorf("container %s is not running", id)
	}
	if err := unix.Kill(st.Pid, sig); err != nil {
		return fmt.Errorf("kill container %s (pid %d): %w", id, st.Pid, err)
	}
	return nil
}

// Delete removes a stopped (or, with force, any) container: processes,
// cgroup, state. Deleting a missing container with force succeeds.
func (o *OCI) Delete(id string, force bool) error { return o.delete(id, force, nil) }

// delete is Delete; known, when given, is the container's spec already in
// memory (run --bundle), which saves decoding the stored one again.
// known, when set, is the container as this process created it (run's
// own delete): its state and spec need not be read back.
func (o *OCI) delete(id string, force bool, known *loaded) error {
	if err := state.ValidID(id); err != nil {
		return err
	}
	if _, err := os.Stat(o.Store.Dir(id)); err != nil {
		if force {
			return nil
		}
		return fmt.Errorf("%w: %s", state.ErrNotExist, id)
	}
	unlock, err := o.Store.Lock(id)
	if err != nil {
		return err
	}
	defer unlock()
	l := known
	if l == nil || l.st == nil || l.spec == nil {
		l, err = o.load(id)
	}
	if errors.Is(err, state.ErrNotExist) {
		// Half-created (the runtime died in create): remove what is there.
		return o.Store.Remove(id)
	}
	if err != nil {
		return err
	}
	st := l.st
	// runtime.md: deleting a container that is not stopped MUST fail and
	// MUST have no effect on it. The one exception is an engine's delete
	// of a created container (containerd's shim sends `delete ID` for a
	// task that was never started, as runc allows): it is destroyed.
	if s := o.status(st); !force && s != state.StatusStopped && !(s == state.StatusCreated && o.EngineCall) {
		return fmt.Errorf("container %s is %s, not stopped: runtime.md forbids deleting it; kill it and wait until it stops, or use delete --force", id, s)
	}
	// Status checks the PID's start time, so a reused PID is never hit.
	// A container still "creating" has no PID at all (its create died:
	// we hold the lock create held throughout): never kill(0, ...),
	// which is the caller's whole process group. Its processes, if any,
	// are in its cgroup, removed below.
	if s := st.Status(); st.Pid > 0 && (s == state.StatusCreated || s == state.StatusRunning) {
		_ = unix.Kill(st.Pid, unix.SIGKILL) // ESRCH: it has just exited
	}
	if st.CgroupID != "" {
		cg, err := o.cgroupOf(st)
		if err != nil {
			return err
		}
		if cg.paused() {
			_ = cg.Manager().Thaw() // a frozen process cannot die; Remove reports what still fails
		}
		if err := cg.Remove(); err != nil {
			return err
		}
	}
	if l.spec.Hooks != nil {
		// A failing poststop hook is a warning; the others and the
		// delete go on (config.md).
		warnRuntimeHooks("poststop", l.spec.Hooks.Poststop, st, state.StatusStopped, o.Log.Warnf)
	}
	return o.Store.Remove(id)
}

// Pause freezes every process of the container; Resume thaws them.
func (o *OCI) Pause(id string) error  { return o.freeze(id, true) }
func (o *OCI) Resume(id string) error { return o.freeze(id, false) }

func (o *OCI) freeze(id string, on bool) error {
	l, err := o.load(id)
	if err != nil {
		return err
	}
	if s := o.status(l.st); s == state.StatusStopped {
		return fmt.Errorf("container %s is not running", id)
	}
	cg, err := o.cgroupOf(l.st)
	if err != nil {
		return err
	}
	if on {
		return cg.Manager().Freeze()
	}
	return cg.Manager().Thaw()
}

// Ps lists the host PIDs of the container's processes.
func (o *OCI) Ps(id string) ([]int, error) {
	l, err := o.load(id)
	if err != nil {
		return nil, err
	}
	cg, err := o.cgroupOf(l.st)
	if err != nil {
		return nil, err
	}
	return cg.Manager().Pids()
}

// ExecOptions are `exec`'s flags.
type ExecOptions struct {
	ID           string
	Process      ExecProcess
	Detach       bool
	IgnorePaused bool // --ignore-paused: exec into a paused container; the process is made and frozen with it
	// Cgroups (--cgroup): controller ("" for all) -> a sub-cgroup of the
	// container's that the process joins (cgroups.ParseSubCgroups).
	Cgroups                map[string]string
	PreserveFds            int // the caller's fds 3 to 3+N-1 go to the process
	PidFile, ConsoleSocket string
	Stdin, Stdout, Stderr  *os.File
}

// listsNamespace says whether linux.namespaces has an entry of type t.
func listsNamespace(nss []specs.LinuxNamespace, t specs.LinuxNamespaceType) bool {
	for _, ns := range nss {
		if ns.Type == t {
			return true
		}
	}
	return false
}

var nsProcNames = map[specs.LinuxNamespaceType]string{
	specs.PIDNamespace: "pid", specs.NetworkNamespace: "net", specs.MountNamespace: "mnt",
	specs.IPCNamespace: "ipc", specs.UTSNamespace: "uts", specs.CgroupNamespace: "cgroup",
}

// Exec runs a process inside a running container: the constructor joins
// its namespaces while single-threaded, the process joins its cgroup
// before it runs anything, and the bundle's seccomp profile applies.
func (o *OCI) Exec(e ExecOptions) (int, error) {
	l, err := o.load(e.ID)
	if err != nil {
		return 255, err
	}
	st := l.st
	s := o.status(st)
	if s == state.StatusPaused && !e.IgnorePaused {
		return 255, fmt.Errorf("container %s is paused: resume it first, or use --ignore-paused", e.ID)
	}
	if s != state.StatusRunning && s != state.StatusCreated && s != state.StatusPaused {
		return 255, fmt.Errorf("container %s is %s: cannot exec in it", e.ID, s)
	}
	if (e.Process.TTY || e.Process.File != nil && e.Process.File.Terminal) && e.ConsoleSocket == "" && e.Detach {
		return 255, errors.New("a detached exec with a terminal needs --console-socket")
	}
	bs := &nsexec.Bootstrap{Exec: true}
	for _, ns := range l.spec.Linux.Namespaces {
		name, ok := nsProcNames[ns.Type]
		if !ok {
			return 255, fmt.Errorf("linux.namespaces: %q is not supported", ns.Type)
		}
		bs.Join = append(bs.Join, nsexec.JoinNS{Type: nsFlags[ns.Type], Path: fmt.Sprintf("/proc/%d/ns/%s", st.Pid, name)})
	}
	if !spec.OwnMountNamespace(l.spec) {
		// The container shares a mount tree and lives chroot'ed in it
		// (nsexec/chroot.c): so does the process, in init's mount
		// namespace (joined even when the config lists none: the caller
		// may be in another) and root (opened before any setns).
		bs.RootChroot = true
		bs.Rootfs = fmt.Sprintf("/proc/%d/root", st.Pid)
		if !listsNamespace(l.spec.Linux.Namespaces, specs.MountNamespace) {
			bs.Join = append(bs.Join, nsexec.JoinNS{Type: unix.CLONE_NEWNS, Path: fmt.Sprintf("/proc/%d/ns/mnt", st.Pid)})
		}
	}
	pr, err := e.Process.resolve(l.spec.Process)
	if err != nil {
		return 255, err
	}
	x := &nsexec.Extras{}
	if err := planProcess(pr, bs, x); err != nil {
		return 255, err
	}
	if l.seccompRaw != nil {
		// The bundle's profile applies to every process of the container.
		if l.spec.Linux.Seccomp, err = spec.DecodeSeccomp(l.seccompRaw, st.Config); err != nil {
			return 255, fmt.Errorf("container %s: stored config: %w", st.ID, err)
		}
		if x.Seccomp, x.SeccompFlags, err = seccomp.CompileCached(l.spec.Linux.Seccomp, l.seccompRaw, seccomp.DefaultCacheDir); err != nil {
			return 255, err
		}
	}
	bs.Extras = x.Encode()
	var cg *Cgroup
	if st.CgroupID != "" {
		if cg, err = o.cgroupOf(st); err != nil {
			return 255, err
		}
		if err := cg.SetExecSub(e.Cgroups); err != nil {
			return 255, err
		}
		if e.IgnorePaused && cg.checkThawed() != nil {
			// runc's --ignore-paused: the process is made, and stays
			// frozen with the container until resume.
			cg.lateJoin = true
			bs.WaitStart = true
		}
	} else if len(e.Cgroups) > 0 {
		return 255, fmt.Errorf("--cgroup: container %s has no cgroup of its own (--cgroup-manager disabled)", e.ID)
	}
	opts := Options{Bootstrap: bs, Cgroup: cg, Detach: e.Detach, PreserveFds: e.PreserveFds,
		Stdin: e.Stdin, Stdout: e.Stdout, Stderr: e.Stderr}
	if e.ConsoleSocket != "" {
		opts.OnPTY = func(fd int) error { return sendConsole(e.ConsoleSocket, fd) }
	}
	if e.PidFile != "" {
		opts.Started = func(pid int) error { return writePidFile(e.PidFile, pid) }
	}
	if sc := l.spec.Linux.Seccomp; seccomp.UsesNotify(sc) {
		// The exec'd process's filter has a listener of its own: it goes
		// to the agent like the container's, so the process waits for the
		// start message that carries the agent's connection.
		bs.WaitStart = true
		cs := o.stateJSON(st)
		if err := checkAgentState(sc, specs.State{Version: specs.Version, ID: st.ID, Status: specs.ContainerState(cs.Status),
			Bundle: st.Bundle, Annotations: st.Annotations}); err != nil {
			return 255, err
		}
		opts.StartMessage = func(pid int) (*nsexec.Frame, []int, error) {
			return agentStart(sc, pid, specs.State{Version: specs.Version, ID: st.ID, Status: specs.ContainerState(cs.Status),
				Pid: st.Pid, Bundle: st.Bundle, Annotations: st.Annotations})
		}
	}
	code, err := Run(opts)
	var oom *Error
	if errors.As(err, &oom) && oom.Code == 128+int(unix.SIGKILL) {
		return oom.Code, err // the process was OOM-killed: its own status, and why
	}
	if err != nil {
		return 255, err
	}
	return code, nil
}
