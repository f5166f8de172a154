package container

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mycontainer/cgroups"
	"mycontainer/ocilog"
	"mycontainer/spec"
	"mycontainer/state"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// OCI is the runc-compatible command layer: every verb works on the state
// store under --root and logs errors the way engines read them.
type OCI struct {
	Store *state.Store
	Log   *ocilog.Logger
	Debug bool
	// NoCgroups: --cgroup-manager disabled. The container gets no cgroup
	// of its own (and its resources are refused).
	NoCgroups bool

	// Origin is when the runtime started (CLOCK_MONOTONIC ns), the zero
	// of the --debug start-up timeline.
	Origin uint64

	// What create loaded and saved, reused by run's delete.
	lastSpec  *specs.Spec
	lastState *state.State
}

// logTimeline writes the start-up timeline as debug lines of the log.
func (o *OCI) logTimeline(t *Timeline) {
	var b strings.Builder
	t.Print(&b)
	for line := range strings.Lines(b.String()) {
		o.Log.Debugf("%s", strings.TrimSuffix(line, "\n"))
	}
}

// CreateOptions are `create`'s flags (and `run --bundle`'s).
type CreateOptions struct {
	ID, Bundle, PidFile, ConsoleSocket string
	Stdin, Stdout, Stderr              *os.File
}

// Create sets a container up and leaves it waiting, before its command,
// until Start. The runtime then exits: the engine's monitor adopts init.
func (o *OCI) Create(c CreateOptions) error {
	_, err := o.create(c, true)
	return err
}

// loaded is a container's state with its spec.
type loaded struct {
	st   *state.State
	spec *specs.Spec
}

func (o *OCI) create(c CreateOptions, detach bool) (int, error) {
	if err := state.ValidID(c.ID); err != nil {
		return 1, err
	}
	var tl *Timeline
	if o.Debug {
		tl = &Timeline{Origin: o.Origin}
		defer o.logTimeline(tl)
		tl.Add("parse", o.Origin, Now())
	}
	t := Now()
	bundle, err := filepath.Abs(c.Bundle)
	if err != nil {
		return 1, fmt.Errorf("bundle %s: %w", c.Bundle, err)
	}
	s, config, err := spec.LoadRaw(bundle)
	if err != nil {
		return 1, err
	}
	tl.Add("load config.json", t, Now())
	t = Now()
	if err := spec.Validate(s); err != nil {
		return 1, err
	}
	tl.Add("validate", t, Now())
	t = Now()
	if detach && s.Process != nil && s.Process.Terminal && c.ConsoleSocket == "" {
		return 1, errors.New("process.terminal is true but no --console-socket was given")
	}
	mode, err := cgroups.DetectMode()
	if err != nil {
		return 1, err
	}
	parent, cgid := cgroupPath(s.Linux.CgroupsPath, c.ID)
	probe, err := OpenCgroup(mode, parent, cgid, nil, false)
	if err != nil {
		return 1, err
	}
	layout, err := probe.Layout()
	if err != nil {
		return 1, err
	}
	o.lastSpec = s
	plan, err := planBundle(s, bundle, layout)
	if err != nil {
		return 1, err
	}
	var cg *Cgroup
	if o.NoCgroups {
		if s.Linux.Resources != nil && (plan.res != nil && *plan.res != (cgroups.Resources{})) {
			return 1, errors.New("linux.resources: limits need a cgroup, but --cgroup-manager is disabled")
		}
		parent, cgid = "", ""
	} else if cg, err = OpenCgroup(mode, parent, cgid, plan.res, false); err != nil {
		return 1, err
	}
	plan.bs.Debug = o.Debug
	// init dies with this process until the state says it exists
	// (init/main.go: adopted): a create SIGKILLed half-way leaves no
	// process that nobody knows of.
	plan.bs.Pdeathsig = true
	tl.Add("plan", t, Now())
	t = Now()
	// config is kept as the bundle wrote it, for exec, update and the
	// hooks: re-encoding the whole spec cost ~5% of a start (reflection).
	st := &state.State{ID: c.ID, Bundle: bundle, Rootfs: plan.rootfs, Created: time.Now().UTC(), Foreground: !detach,
		Annotations: s.Annotations, CgroupMode: mode.String(), CgroupParent: parent, CgroupID: cgid, Config: config}
	// Locked from its first moment: a delete cannot slip in between.
	unlock, err := o.Store.CreateLocked(st)
	if err != nil {
		return 1, err
	}
	o.lastState = st
	defer unlock()
	created := false
	defer func() {
		if !created {
			_ = o.Store.Remove(c.ID) // a failed create leaves nothing behind
		}
	}()
	if detach {
		fifo := o.Store.ExecFifo(c.ID)
		if err := unix.Mkfifo(fifo, 0o600); err != nil {
			return 1, fmt.Errorf("make exec fifo %s: %w", fifo, err)
		}
		plan.bs.ExecFifo = fifo
	} else {
		plan.bs.WaitStart = true // started below, over the sync socket
	}
	var hs []byte // the state on the stdin of the hooks run inside
	if s.Hooks != nil && len(s.Hooks.CreateContainer)+len(s.Hooks.StartContainer) > 0 {
		hs = hookState(st, state.StatusCreating)
	}
	plan.encodeExtras(hs)
	tl.Add("state", t, Now())
	opts := Options{
		Bootstrap: plan.bs, Cgroup: cg, KeepCgroup: true, Detach: detach,
		Stdin: c.Stdin, Stdout: c.Stdout, Stderr: c.Stderr, Timeline: tl,
	}
	if c.ConsoleSocket != "" {
		opts.OnPTY = func(fd int) error { return sendConsole(c.ConsoleSocket, fd) }
	}
	opts.Started = func(pid int) error {
		start, err := state.ProcessStartTime(pid)
		if err != nil {
			return fmt.Errorf("read start time of init %d: %w", pid, err)
		}
		st.Pid, st.PidStart = pid, start
		if err := o.Store.Save(st); err != nil {
			return err
		}
		if cg != nil {
			if err := applyDeviceRules(cg, s.Linux.Resources, o.Log); err != nil {
				return err
			}
		}
		if c.PidFile != "" {
			if err := writePidFile(c.PidFile, pid); err != nil {
				return err
			}
		}
		if s.Hooks != nil {
			if err := runRuntimeHooks("prestart", s.Hooks.Prestart, st, state.StatusCreated); err != nil {
				return err
			}
			if err := runRuntimeHooks("createRuntime", s.Hooks.CreateRuntime, st, state.StatusCreated); err != nil {
				return err
			}
		}
		created = true
		if !detach {
			// The foreground run goes on waiting for its container;
			// kill, state, ps and delete --force from other processes
			// must not wait for it.
			unlock()
		}
		return nil
	}
	if !detach {
		// run --bundle in the foreground: Run starts it right away.
		opts.Released = func() { o.poststart(st, s) }
	}
	code, err := Run(opts)
	if err != nil {
		return code, err
	}
	return code, nil
}

// cgroupPath splits linux.cgroupsPath into parent and leaf. Without one
// the container lives in mycontainer/<id>.
func cgroupPath(p, id string) (string, string) {
	if p == "" {
		return cgroups.DefaultParent, id
	}
	p = filepath.Clean("/" + p)
	return filepath.Dir(p)[1:], filepath.Base(p)
}

func writePidFile(path string, pid int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(fmt.Sprint(pid)), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	return nil
}

// RunBundle is `run --bundle`: create and start; in the foreground also
// relay signals and the terminal, wait, and delete the container.
func (o *OCI) RunBundle(c CreateOptions, detach bool) (int, error) {
	if detach {
		if _, err := o.create(c, true); err != nil {
			return 1, err
		}
		return 0, o.Start(c.ID)
	}
	code, err := o.create(c, false)
	if derr := o.delete(c.ID, true, &loaded{st: o.lastState, spec: o.lastSpec}); derr != nil && err == nil {
		return 1, derr
	}
	return code, err
}
