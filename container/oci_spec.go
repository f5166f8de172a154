package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mycontainer/cgroups"
	"mycontainer/nsexec"
	"mycontainer/rootfs"
	"mycontainer/seccomp"
	"mycontainer/spec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// bundlePlan is everything an OCI bundle asks for, turned into what the
// stages and the cgroup manager understand.
type bundlePlan struct {
	bs     *nsexec.Bootstrap
	extras *nsexec.Extras
	res    *cgroups.Resources
	rootfs string
}

var nsFlags = map[specs.LinuxNamespaceType]uint32{
	specs.PIDNamespace:     unix.CLONE_NEWPID,
	specs.NetworkNamespace: unix.CLONE_NEWNET,
	specs.MountNamespace:   unix.CLONE_NEWNS,
	specs.IPCNamespace:     unix.CLONE_NEWIPC,
	specs.UTSNamespace:     unix.CLONE_NEWUTS,
	specs.CgroupNamespace:  unix.CLONE_NEWCGROUP,
}

// planBundle converts a validated spec. Validation (spec.Validate) has
// already rejected what mycontainer does not support; what is left here
// is honoured.
func planBundle(s *specs.Spec, bundle string, layout *rootfs.CgroupLayout) (*bundlePlan, error) {
	root := s.Root.Path
	if !filepath.IsAbs(root) {
		root = filepath.Join(bundle, root)
	}
	root, err := filepath.EvalSymlinks(root)
	if err != nil {
		return nil, fmt.Errorf("root.path %s: %w", s.Root.Path, err)
	}
	switch s.Linux.RootfsPropagation {
	case "", "private", "rprivate", "slave", "rslave":
		// The whole tree is made rslave before the pivot (root.c): no
		// mount of the container's ever reaches the host. private is the
		// stricter wish and slave the same; both hold for the host's side.
	default:
		return nil, fmt.Errorf("linux.rootfsPropagation: %q is not supported (mounts never propagate back to the host)", s.Linux.RootfsPropagation)
	}
	p := &bundlePlan{rootfs: root, extras: &nsexec.Extras{ReadonlyRoot: s.Root.Readonly}}
	bs := &nsexec.Bootstrap{Rootfs: root, Hostname: s.Hostname}
	p.bs = bs
	for _, ns := range s.Linux.Namespaces {
		flag, ok := nsFlags[ns.Type]
		if !ok {
			return nil, fmt.Errorf("linux.namespaces: %q is not supported", ns.Type)
		}
		if ns.Path != "" {
			// Checked here too (join.c is the guard), so a FIFO or a
			// wrong file fails with a clear message before any state,
			// cgroup or process exists.
			if err := nsexec.CheckNamespaceFile(ns.Path, flag); err != nil {
				return nil, fmt.Errorf("linux.namespaces: %w", err)
			}
			bs.Join = append(bs.Join, nsexec.JoinNS{Type: flag, Path: ns.Path})
			continue
		}
		bs.CloneFlags |= uint64(flag)
	}
	if bs.CloneFlags&unix.CLONE_NEWNS == 0 {
		return nil, fmt.Errorf("linux.namespaces: a new mount namespace is required")
	}
	if bs.CloneFlags&unix.CLONE_NEWNET != 0 {
		bs.Loopback = true
	}
	if err := planProcess(s.Process, bs, p.extras); err != nil {
		return nil, err
	}
	if bs.Mounts, bs.BindSources, err = planMounts(s.Mounts, bundle, layout); err != nil {
		return nil, err
	}
	x := p.extras
	x.MaskedPaths, x.ReadonlyPaths = s.Linux.MaskedPaths, s.Linux.ReadonlyPaths
	for k, v := range s.Linux.Sysctl {
		x.Sysctl = append(x.Sysctl, nsexec.Sysctl{Key: k, Value: v})
	}
	for _, d := range s.Linux.Devices {
		dev := nsexec.Device{Path: d.Path, Type: d.Type, Major: d.Major, Minor: d.Minor, Mode: 0o666}
		if d.FileMode != nil {
			dev.Mode = uint32(*d.FileMode)
		}
		if d.UID != nil {
			dev.UID = *d.UID
		}
		if d.GID != nil {
			dev.GID = *d.GID
		}
		x.Devices = append(x.Devices, dev)
	}
	if s.Linux.Seccomp != nil {
		prog, flags, err := seccomp.Compile(s.Linux.Seccomp)
		if err != nil {
			return nil, err
		}
		x.Seccomp, x.SeccompFlags = prog, flags
	}
	if s.Hooks != nil {
		x.Hooks.CreateContainer = hooks(s.Hooks.CreateContainer)
		x.Hooks.StartContainer = hooks(s.Hooks.StartContainer)
	}
	if s.Linux.Resources != nil {
		if p.res, err = resources(s.Linux.Resources); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// encodeExtras finishes the bootstrap once the hooks' state is known.
func (p *bundlePlan) encodeExtras(state []byte) {
	p.extras.Hooks.State = state
	p.bs.Extras = p.extras.Encode()
}

func hooks(hs []specs.Hook) []nsexec.Hook {
	var out []nsexec.Hook
	for _, h := range hs {
		ch := nsexec.Hook{Path: h.Path, Args: h.Args, Env: h.Env}
		if h.Timeout != nil {
			ch.Timeout = *h.Timeout
		}
		out = append(out, ch)
	}
	return out
}

// planProcess fills the command, its user and its attributes.
func planProcess(pr *specs.Process, bs *nsexec.Bootstrap, x *nsexec.Extras) error {
	if pr == nil {
		return fmt.Errorf("process: missing")
	}
	bs.Args, bs.Env, bs.Cwd = pr.Args, pr.Env, pr.Cwd
	// Every way in (create, run, exec) plans here; init checks again.
	if err := spec.CheckCwd(pr.Cwd); err != nil {
		return fmt.Errorf("process.cwd: %w", err)
	}
	if err := spec.CheckExecSize(pr.Args, pr.Env, execStackLimit(pr.Rlimits)); err != nil {
		return err
	}
	bs.UID, bs.GID, bs.AddGIDs = pr.User.UID, pr.User.GID, pr.User.AdditionalGids
	if len(bs.AddGIDs) > 0 {
		bs.AddGIDs = append([]uint32{pr.User.GID}, bs.AddGIDs...)
	}
	bs.TTY = pr.Terminal
	if pr.ConsoleSize != nil {
		bs.Rows, bs.Cols = uint16(pr.ConsoleSize.Height), uint16(pr.ConsoleSize.Width)
	}
	x.Umask = pr.User.Umask
	x.NoNewPrivs = pr.NoNewPrivileges
	x.OOMScoreAdj = pr.OOMScoreAdj
	for i, rl := range pr.Rlimits {
		n, ok := rlimitNumbers[rl.Type]
		if !ok {
			return fmt.Errorf("process.rlimits[%d].type: %q is not supported", i, rl.Type)
		}
		x.Rlimits = append(x.Rlimits, nsexec.Rlimit{Type: n, Soft: rl.Soft, Hard: rl.Hard})
	}
	if c := pr.Capabilities; c != nil {
		caps := &nsexec.Capabilities{}
		for _, set := range []struct {
			name string
			in   []string
			out  *[]int
		}{
			{"bounding", c.Bounding, &caps.Bounding}, {"effective", c.Effective, &caps.Effective},
			{"inheritable", c.Inheritable, &caps.Inheritable}, {"permitted", c.Permitted, &caps.Permitted},
			{"ambient", spec.AmbientCaps(c), &caps.Ambient},
		} {
			for i, name := range set.in {
				n, ok := spec.Capability(name)
				if !ok {
					return fmt.Errorf("process.capabilities.%s[%d]: unknown capability %q", set.name, i, name)
				}
				*set.out = append(*set.out, n)
			}
		}
		x.Caps = caps
	}
	return nil
}

var rlimitNumbers = map[string]int{
	"RLIMIT_CPU": unix.RLIMIT_CPU, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_DATA": unix.RLIMIT_DATA,
	"RLIMIT_STACK": unix.RLIMIT_STACK, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK,
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE, "RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO,
	"RLIMIT_RTTIME": unix.RLIMIT_RTTIME,
}

// mountAttrs maps the MS_* flags mount options give to mount_setattr's.
var mountAttrs = map[uintptr]uint64{
	unix.MS_RDONLY: unix.MOUNT_ATTR_RDONLY, unix.MS_NOSUID: unix.MOUNT_ATTR_NOSUID,
	unix.MS_NODEV: unix.MOUNT_ATTR_NODEV, unix.MS_NOEXEC: unix.MOUNT_ATTR_NOEXEC,
	unix.MS_NOATIME: unix.MOUNT_ATTR_NOATIME, unix.MS_STRICTATIME: unix.MOUNT_ATTR_STRICTATIME,
	unix.MS_RELATIME: unix.MOUNT_ATTR_RELATIME, unix.MS_NODIRATIME: unix.MOUNT_ATTR_NODIRATIME,
}

// planMounts turns the spec's mounts, in their order, into plan steps.
// A tmpfs on /dev gets the minimal device nodes right after it, as every
// runtime does; a "cgroup" mount becomes the host's layout, read-only.
func planMounts(ms []specs.Mount, bundle string, layout *rootfs.CgroupLayout) ([]nsexec.Mount, []string, error) {
	var out []nsexec.Mount
	var binds []string
	for i, m := range ms {
		path := fmt.Sprintf("mounts[%d]", i)
		opts, err := spec.ParseMountOptions(&m)
		if err != nil {
			return nil, nil, fmt.Errorf("%s.options: %w", path, err)
		}
		if opts.TmpCopyUp {
			return nil, nil, fmt.Errorf("%s.options: \"tmpcopyup\" is not supported yet", path)
		}
		for _, pr := range opts.Propagation {
			// The container's whole tree is already a slave of the host's
			// (see root.c), so private and slave hold; shared would need
			// its own peer group.
			if pr&unix.MS_SHARED != 0 {
				return nil, nil, fmt.Errorf("%s.options: shared propagation is not supported", path)
			}
		}
		var attr uint64
		for f, a := range mountAttrs {
			if opts.Set&f != 0 {
				attr |= a
			}
		}
		target := filepath.Clean(m.Destination)
		switch {
		case opts.Bind:
			src := m.Source
			if !filepath.IsAbs(src) {
				src = filepath.Join(bundle, src)
			}
			st, err := os.Stat(src)
			if err != nil {
				return nil, nil, fmt.Errorf("%s.source: %w", path, err)
			}
			out = append(out, nsexec.Mount{Kind: nsexec.MountBind, Source: src, Target: target,
				Attr: attr, File: !st.IsDir(), BindIdx: uint32(len(binds))})
			binds = append(binds, src)
		case m.Type == "cgroup" || m.Type == "cgroup2":
			if layout != nil {
				out = append(out, rootfs.CgroupMounts(layout)...)
			}
		default:
			// A new filesystem's target must be a real directory of the
			// rootfs, never a symlink: through /proc that was runc's
			// CVE-2019-19921, and a /dev or /tmp link could aim the mount
			// anywhere in the root. Bind targets may be links, followed
			// inside the root.
			out = append(out, nsexec.Mount{Kind: nsexec.MountFS, Source: m.Source, FSType: m.Type,
				Target: target, Data: strings.Join(opts.Data, ","), Attr: attr, NoFollow: true})
			if m.Type == "tmpfs" && target == "/dev" {
				out = append(out, nsexec.Mount{Kind: nsexec.MountDevices, Target: "/dev", NoFollow: true})
			}
		}
	}
	return out, binds, nil
}

// resources maps the spec's cgroup resources to the manager's.
func resources(r *specs.LinuxResources) (*cgroups.Resources, error) {
	res := &cgroups.Resources{}
	if m := r.Memory; m != nil {
		if m.Limit != nil {
			res.Memory = *m.Limit
		}
		if m.Swap != nil {
			res.MemorySwap = *m.Swap
		}
		if m.Reservation != nil {
			res.MemoryReservation = *m.Reservation
		}
	}
	if c := r.CPU; c != nil {
		if c.Shares != nil {
			res.CPUShares = *c.Shares
		}
		if c.Quota != nil {
			res.CPUQuota = *c.Quota
		}
		if c.Period != nil {
			res.CPUPeriod = *c.Period
		}
		res.CpusetCpus, res.CpusetMems = c.Cpus, c.Mems
	}
	if r.Pids != nil {
		res.PidsLimit = r.Pids.Limit
	}
	if r.BlockIO != nil && r.BlockIO.Weight != nil {
		res.BlkioWeight = *r.BlockIO.Weight
	}
	if err := res.Validate(); err != nil {
		return nil, fmt.Errorf("linux.resources: %w", err)
	}
	return res, nil
}
