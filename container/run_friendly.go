package container

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"mycontainer/cgroups"
	"mycontainer/rootfs"
	"mycontainer/seccomp"
	"mycontainer/spec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// FriendlyOptions are what the friendly `run` adds to its spec: how PID 1
// behaves, where the cgroup goes, and the caller's terminal.
type FriendlyOptions struct {
	Init         bool   // a reaping init as PID 1, the command as PID 2
	CgroupParent string // the parent of the run-<pid>-<start> cgroup
	StopTimeout  time.Duration
	Debug        bool
	Timeline     *Timeline // nil unless --debug
	Stdin        *os.File
	Stdout       *os.File
	Stderr       *os.File
}

// RunFriendly is the friendly `run`: its flags become a config.json (in
// memory), which is validated and planned exactly like a bundle's; then
// the container runs, tied to this process, in a cgroup named after it.
func RunFriendly(f *spec.Friendly, o FriendlyOptions) (int, error) {
	t := Now()
	s, hostRoot, err := f.Spec()
	if err != nil {
		return friendlyCode(err), Errorf(friendlyCode(err), "%w", err)
	}
	var nk *netBridge
	if f.Net == "bridge" {
		tn := Now()
		if nk, err = startNetBridge(f.Hostname, f.Publish, f.DNS, o.Stderr); err != nil {
			return ExitRuntime, Errorf(ExitRuntime, "%w", err)
		}
		defer nk.close(o.Stderr)
		m, err := nk.mounts(s.Root.Path, f.Overlay != nil)
		if err != nil {
			return ExitRuntime, Errorf(ExitRuntime, "%w", err)
		}
		s.Mounts = append(s.Mounts, m...)
		o.Timeline.Add("network lease", tn, Now())
	}
	sc, err := friendlySeccomp(f, s)
	if err != nil {
		return ExitRuntime, Errorf(ExitRuntime, "%w", err)
	}
	if err := spec.Validate(s); err != nil {
		return ExitRuntime, Errorf(ExitRuntime, "%w", spec.FriendlyError(err))
	}
	var res *cgroups.Resources
	if s.Linux.Resources != nil {
		// The flags map to typed fields only: the cgroup version does
		// not matter.
		if res, err = resources(s.Linux.Resources, false); err != nil {
			return ExitRuntime, Errorf(ExitRuntime, "%w", err)
		}
	}
	cg, err := NewCgroup(o.CgroupParent, res)
	if err != nil {
		return ExitRuntime, Errorf(ExitRuntime, "%w", err)
	}
	if r := s.Linux.Resources; r != nil && len(r.Devices) > 0 {
		if cg.devices, err = deviceRules(r.Devices); err != nil {
			return ExitRuntime, Errorf(ExitRuntime, "%w", err)
		}
		cg.warn = func(msg string) { fmt.Fprintf(o.Stderr, "mycontainer: warning: %s\n", msg) }
	}
	if o.Debug {
		policy := spec.DescribePolicy(s)
		if sc.prog != nil {
			policy = strings.Replace(policy, "seccomp=none", fmt.Sprintf("seccomp=docker-default(compiled, %d instructions, from the cache)", len(sc.prog)/8), 1)
		}
		fmt.Fprintf(o.Stderr, "mycontainer: policy: %s\n", policy)
	}
	layout, err := cg.Layout()
	if err != nil {
		return ExitRuntime, Errorf(ExitRuntime, "%w", err)
	}
	bs, err := PlanRun(s, sc, layout)
	if err != nil {
		return ExitRuntime, Errorf(ExitRuntime, "%w", err)
	}
	bs.Init, bs.Debug = o.Init, o.Debug
	// `run` owns its container: it must not outlive the runtime.
	bs.Pdeathsig = true
	// The default root is the host's whole tree, read-only down to every
	// submount (the spec's root.readonly only covers the root mount).
	bs.HostRootReadonly = hostRoot
	if ov := f.Overlay; ov != nil {
		bs.OverlayLower, bs.OverlayUpper, bs.OverlayWork, bs.OverlayString = ov.Lower, ov.Upper, ov.Work, ov.String
	}
	o.Timeline.Add("validate", t, Now())
	ro := Options{
		Bootstrap: bs, Timeline: o.Timeline, Cgroup: cg, SweepDeadRuns: true,
		Stop:  &StopPolicy{Timeout: o.StopTimeout},
		Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr,
	}
	if nk != nil {
		// init waits, set up, until the veth is in its namespace and the
		// ports are published; it stays tied to this runtime after.
		bs.WaitStart, bs.Owned = true, true
		ro.Started = func(pid int) error {
			tn := Now()
			err := nk.wire(pid)
			o.Timeline.Add("network wire", tn, Now())
			return err
		}
	}
	return Run(ro)
}

// friendlyCode is docker's: 127 for a command that is not there, 126 for
// one that cannot run, 125 for everything else.
func friendlyCode(err error) int {
	switch {
	case errors.Is(err, rootfs.ErrCommandNotFound):
		return ExitNotFound
	case errors.Is(err, rootfs.ErrNotExecutable):
		return ExitNotExecutable
	}
	return ExitRuntime
}

// friendlySeccomp finds the compiled program of docker's default profile
// when Spec chose it (leaving linux.seccomp out): a hit needs no profile
// at all; a miss builds it into s, compiles it and stores the program
// under its name for the next run.
func friendlySeccomp(f *spec.Friendly, s *specs.Spec) (seccompIn, error) {
	key := f.DefaultSeccompKey(s)
	if key == "" {
		return seccompIn{}, nil
	}
	if prog, flags, ok := seccomp.LookupNamed(key, seccomp.DefaultCacheDir); ok {
		return seccompIn{prog: prog, flags: flags}, nil
	}
	p, err := spec.DefaultSeccomp(s)
	if err != nil {
		return seccompIn{}, err
	}
	prog, flags, err := seccomp.CompileCachedNamed(p, key, seccomp.DefaultCacheDir)
	if err != nil {
		return seccompIn{}, fmt.Errorf("docker's default seccomp profile: %w", err)
	}
	s.Linux.Seccomp = p // validated with the rest, described by --debug
	return seccompIn{prog: prog, flags: flags}, nil
}
