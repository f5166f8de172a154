package container

import (
	"errors"
	"fmt"
	"path/filepath"
	"time"

	"mycontainer/cgroups"
	"mycontainer/nsexec"
	"mycontainer/seccomp"
	"mycontainer/spec"
	"mycontainer/state"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// creation is one `create` (or `run --bundle`) in progress, in the order
// of its steps: load the bundle, plan it, claim the ID, prepare the
// start, run the stages, record the container as created.
type creation struct {
	o      *OCI
	c      CreateOptions
	detach bool // create (and run -d): init waits on the exec fifo
	tl     *Timeline

	bundle  string
	s       *specs.Spec
	config  []byte    // config.json as the bundle wrote it
	seccomp seccompIn // linux.seccomp as written; its program on a cache hit

	mode         cgroups.Mode
	parent, cgid string
	plan         *bundlePlan
	cg           *Cgroup // nil with --cgroup-manager disabled
	// hookMounts: the config's mounts, made by the mount helper before
	// the hooks that run before pivot_root (nil: init makes them).
	hookMounts *nsexec.Bootstrap

	st      *state.State
	unlock  func()
	created bool // the state records init: keep it on every way out
}

func (o *OCI) create(c CreateOptions, detach bool) (int, error) {
	if err := state.ValidID(c.ID); err != nil {
		return 1, err
	}
	k := &creation{o: o, c: c, detach: detach}
	if o.Debug {
		k.tl = &Timeline{Origin: o.Origin}
		defer o.logTimeline(k.tl)
		k.tl.Add("parse", o.Origin, Now())
	}
	if err := k.load(); err != nil {
		return 1, err
	}
	if err := k.planIt(); err != nil {
		return 1, err
	}
	if err := k.claim(); err != nil {
		return 1, err
	}
	defer k.unlock()
	defer func() {
		if !k.created {
			_ = o.Store.Remove(c.ID) // a failed create leaves nothing behind
		}
	}()
	if err := k.prepareStart(); err != nil {
		return 1, err
	}
	return Run(k.runOptions())
}

// load reads and validates config.json.
func (k *creation) load() error {
	t := Now()
	bundle, err := filepath.Abs(k.c.Bundle)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", k.c.Bundle, err)
	}
	k.bundle = bundle
	if k.s, k.config, k.seccomp.raw, err = spec.LoadSplit(bundle); err != nil {
		return err
	}
	// docker's default profile is most of a podman config: when this
	// build compiled these very bytes before, the program is all that is
	// needed, and decoding ~350 rules in a cold process is skipped.
	if k.seccomp.prog, k.seccomp.flags, _ = seccomp.Lookup(k.seccomp.raw, seccomp.DefaultCacheDir); k.seccomp.prog == nil && k.seccomp.raw != nil {
		if k.s.Linux.Seccomp, err = spec.DecodeSeccomp(k.seccomp.raw, k.config); err != nil {
			return err
		}
	}
	if k.s.Process != nil && len(k.c.ExtraEnv) > 0 {
		k.s.Process.Env = append(k.s.Process.Env, k.c.ExtraEnv...)
	}
	k.tl.Add("load config.json", t, Now())
	t = Now()
	if err := spec.Validate(k.s); err != nil {
		return err
	}
	k.tl.Add("validate", t, Now())
	if !k.detach && k.s.Process == nil {
		// run starts at once, and config.md requires a process for start.
		return errors.New("config.json: process: is required by run, which starts the container (create accepts a config without one)")
	}
	if k.detach && k.s.Process != nil && k.s.Process.Terminal && k.c.ConsoleSocket == "" {
		return errors.New("process.terminal is true but no --console-socket was given")
	}
	k.o.lastSpec = k.s
	return nil
}

// planIt turns the spec into the bootstrap and the cgroup to make.
func (k *creation) planIt() error {
	t := Now()
	mode, err := cgroups.DetectMode()
	if err != nil {
		return err
	}
	k.mode = mode
	k.parent, k.cgid = cgroupPath(k.s.Linux.CgroupsPath, k.c.ID)
	probe, err := OpenCgroup(mode, k.parent, k.cgid, nil, false)
	if err != nil {
		return err
	}
	layout, err := probe.Layout()
	if err != nil {
		return err
	}
	if k.plan, err = planBundle(k.s, k.seccomp, k.bundle, layout); err != nil {
		return err
	}
	if k.o.NoCgroups {
		if k.s.Linux.Resources != nil && (k.plan.res != nil && !k.plan.res.IsZero()) {
			return errors.New("linux.resources: limits need a cgroup, but --cgroup-manager is disabled")
		}
		k.parent, k.cgid = "", ""
	} else if k.cg, err = OpenCgroup(mode, k.parent, k.cgid, k.plan.res, false); err != nil {
		return err
	} else {
		k.cg.warn = func(msg string) { k.o.Log.Warnf("%s", msg) }
	}
	noteIgnoredOptions(k.s.Mounts, k.o.Log)
	k.plan.bs.Debug = k.o.Debug
	// init dies with this process until the state says it exists
	// (init/main.go: adopted): a create SIGKILLed half-way leaves no
	// process that nobody knows of.
	k.plan.bs.Pdeathsig = true
	k.tl.Add("plan", t, Now())
	return nil
}

// claim saves the state, "creating", locked from its first moment: a
// delete cannot slip in between. The cgroup is made only after this, and
// delete removes it before the state: the state always knows the cgroup.
func (k *creation) claim() error {
	// config is kept as the bundle wrote it, for exec, update and the
	// hooks: re-encoding the whole spec cost ~5% of a start (reflection).
	k.st = &state.State{ID: k.c.ID, Bundle: k.bundle, Rootfs: k.plan.rootfs, Created: time.Now().UTC(),
		Foreground: !k.detach, Annotations: k.s.Annotations, CgroupMode: k.mode.String(),
		CgroupParent: k.parent, CgroupID: k.cgid, Config: k.config}
	unlock, err := k.o.Store.CreateLocked(k.st)
	if err != nil {
		return err
	}
	k.unlock = unlock
	k.o.lastState = k.st
	return nil
}

// prepareStart picks how init waits for its start (the exec fifo for
// `start` from another process, or a message from this one) and
// finishes the bootstrap.
func (k *creation) prepareStart() error {
	t := Now()
	if k.detach {
		fifo := k.o.Store.ExecFifo(k.c.ID)
		if err := unix.Mkfifo(fifo, 0o600); err != nil {
			return fmt.Errorf("make exec fifo %s: %w", fifo, err)
		}
		k.plan.bs.ExecFifo = fifo
	} else {
		k.plan.bs.WaitStart = true // started by Run, over the sync socket
	}
	if sc := k.s.Linux.Seccomp; seccomp.UsesNotify(sc) {
		if err := checkAgentState(sc, specs.State{Version: specs.Version, ID: k.st.ID, Status: specs.StateCreated,
			Bundle: k.st.Bundle, Annotations: k.st.Annotations}); err != nil {
			return err
		}
	}
	var hs []byte // the state on the stdin of the hooks run inside
	if h := k.s.Hooks; h != nil && len(h.StartContainer) > 0 {
		hs = hookState(k.st, state.StatusCreating)
	}
	if h := k.s.Hooks; h != nil && len(h.Prestart)+len(h.CreateRuntime)+len(h.CreateContainer) > 0 {
		k.plan.bs.HookPause = true // init stops before pivot_root: prePivotHooks
		// Made while init waits, before the hooks (hooks_mounts.go).
		k.hookMounts = splitMountsForHooks(k.plan.bs)
	}
	k.plan.encodeExtras(hs)
	k.tl.Add("state", t, Now())
	return nil
}

// prePivotHooks runs, in the spec's order, the hooks config.md places
// after the mount namespace is set up and before pivot_root, while init
// waits there: prestart (deprecated, runc runs it here too) and
// createRuntime in the runtime's namespaces, createContainer in the
// container's. Their state says "creating", with init's PID. The
// config's mounts are made first: the hooks see them (hooks_mounts.go).
func (k *creation) prePivotHooks(pid int) error {
	if err := runMountHelper(k.hookMounts, pid, k.s.Linux.Namespaces, k.tl); err != nil {
		return err
	}
	t := Now()
	h := k.s.Hooks
	st := *k.st
	st.Pid = pid
	in := hookState(&st, state.StatusCreating)
	if err := runRuntimeHooks("prestart", h.Prestart, in); err != nil {
		return err
	}
	if err := runRuntimeHooks("createRuntime", h.CreateRuntime, in); err != nil {
		return err
	}
	if err := runContainerHooks("createContainer", h.CreateContainer, in, pid, k.cg); err != nil {
		return err
	}
	k.tl.Add("hooks before pivot_root", t, Now())
	return nil
}

func (k *creation) runOptions() Options {
	opts := Options{
		Bootstrap: k.plan.bs, Cgroup: k.cg, KeepCgroup: true, Detach: k.detach,
		Stdin: k.c.Stdin, Stdout: k.c.Stdout, Stderr: k.c.Stderr, Timeline: k.tl,
		Started: k.recordCreated, PreserveFds: k.c.PreserveFds, PrePivot: k.prePivotHooks,
	}
	if k.c.ConsoleSocket != "" {
		opts.OnPTY = func(fd int) error { return sendConsole(k.c.ConsoleSocket, fd) }
	}
	if seccomp.UsesNotify(k.s.Linux.Seccomp) {
		opts.StartMessage = k.agentMessage
	}
	if !k.detach {
		// run --bundle in the foreground: Run starts it right away.
		opts.Released = func() { k.o.poststart(k.st, k.s) }
	}
	return opts
}

// recordCreated runs once init is set up and waits: the state gets its
// PID (with its start time, against PID reuse), the device rules apply,
// the pid file follows.
func (k *creation) recordCreated(pid int) error {
	start, err := state.ProcessStartTime(pid)
	if err != nil {
		return fmt.Errorf("read start time of init %d: %w", pid, err)
	}
	k.st.Pid, k.st.PidStart = pid, start
	if k.cg != nil {
		k.st.CgroupParentsMade = k.cg.manager.MadeParents()
	}
	if err := k.o.Store.Save(k.st); err != nil {
		return err
	}
	if k.cg != nil {
		if err := applyDeviceRules(k.cg, k.s.Linux.Resources, k.o.Log); err != nil {
			return err
		}
	}
	if k.c.PidFile != "" {
		if err := writePidFile(k.c.PidFile, pid); err != nil {
			return err
		}
	}
	k.created = true
	if !k.detach {
		// The foreground run goes on waiting for its container; kill,
		// state, ps and delete --force from other processes must not
		// wait for it.
		k.unlock()
	}
	return nil
}
