package container

import (
	"fmt"
	"path/filepath"

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
// sc is linux.seccomp as config.json wrote it (nil when the spec was built
// in memory), and its program when the cache had it.
func planBundle(s *specs.Spec, sc seccompIn, bundle string, layout *rootfs.CgroupLayout) (*bundlePlan, error) {
	root, err := planRoot(s, bundle)
	if err != nil {
		return nil, err
	}
	p := &bundlePlan{rootfs: root, extras: &nsexec.Extras{ReadonlyRoot: s.Root.Readonly}}
	if p.extras.RootPropagation, err = rootPropagation(s.Linux.RootfsPropagation); err != nil {
		return nil, err
	}
	bs := &nsexec.Bootstrap{Rootfs: root, Hostname: s.Hostname}
	p.bs = bs
	if err := planNamespaces(s.Linux.Namespaces, bs); err != nil {
		return nil, err
	}
	if s.Process == nil {
		// config.md: process is OPTIONAL until start. init sets the
		// container up and waits with no command (init/main.go), and
		// Start refuses to release it.
		bs.Cwd = "/"
	} else if err := planProcess(s.Process, bs, p.extras); err != nil {
		return nil, err
	}
	if bs.Mounts, bs.BindSources, err = planMounts(s.Mounts, bundle, layout, p.extras); err != nil {
		return nil, err
	}
	bs.BindPeers = bindPeers(bs.Mounts)
	if err := planHardening(s, sc, p.extras); err != nil {
		return nil, err
	}
	if s.Linux.Resources != nil {
		if p.res, err = resources(s.Linux.Resources, layout.Unified); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// planRoot finds the rootfs on the host (a bundle-relative root.path is
// the bundle's; the bundle's author may use symlinks, paths inside the
// rootfs never count on it).
func planRoot(s *specs.Spec, bundle string) (string, error) {
	root := s.Root.Path
	if !filepath.IsAbs(root) {
		root = filepath.Join(bundle, root)
	}
	root, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("root.path %s: %w", s.Root.Path, err)
	}
	if _, err := rootPropagation(s.Linux.RootfsPropagation); err != nil {
		return "", err
	}
	return root, nil
}

// rootPropagation maps linux.rootfsPropagation to the MS_* flags init
// sets on "/" once the mounts are in (0: none given). The whole tree is
// rslave from before the pivot (root.c); private and unbindable also stop
// the host's mounts from coming in, as asked, and shared gives the
// container's "/" a peer group of its own (a slave of the host's still,
// as under runc, whose rootfs is its own bind mount). A mount reaches the
// host only through a bind that asks for shared propagation (bindPeers).
func rootPropagation(p string) (uint32, error) {
	if p == "" {
		return 0, nil
	}
	f, ok := spec.PropagationFlags(p)
	if !ok {
		return 0, fmt.Errorf("linux.rootfsPropagation: %q is not a propagation type", p)
	}
	return uint32(f), nil
}

// bindPeers lists the bind sources that shared or rshared propagation asks
// to keep as peers of the host's mount: the constructor opens them before
// it cuts the container's tree off with rslave (root.c), so what the
// container mounts inside them appears on the host's mount, which is what
// shared propagation means.
func bindPeers(ms []nsexec.Mount) []uint32 {
	var out []uint32
	for _, m := range ms {
		if m.Kind != nsexec.MountBind {
			continue
		}
		for _, pr := range m.Propagation {
			if pr&unix.MS_SHARED != 0 {
				out = append(out, m.BindIdx)
				break
			}
		}
	}
	return out
}

// planNamespaces: new namespaces become clone flags, ones with a path are
// joined by the constructor.
func planNamespaces(nss []specs.LinuxNamespace, bs *nsexec.Bootstrap) error {
	for _, ns := range nss {
		flag, ok := nsFlags[ns.Type]
		if !ok {
			return fmt.Errorf("linux.namespaces: %q is not supported", ns.Type)
		}
		if ns.Path != "" {
			// Checked here too (join.c is the guard), so a FIFO or a
			// wrong file fails with a clear message before any state,
			// cgroup or process exists.
			if err := nsexec.CheckNamespaceFile(ns.Path, flag); err != nil {
				return fmt.Errorf("linux.namespaces: %w", err)
			}
			bs.Join = append(bs.Join, nsexec.JoinNS{Type: flag, Path: ns.Path})
			continue
		}
		bs.CloneFlags |= uint64(flag)
	}
	if bs.CloneFlags&unix.CLONE_NEWNS == 0 {
		// No mount namespace of its own (none listed: the runtime's; one
		// with a path: joined above): the root is used as it is, entered
		// with chroot (nsexec/chroot.c). Validation refused every field
		// that would need a mount (spec.checkSharedMountTree).
		bs.RootChroot = true
	}
	if bs.CloneFlags&unix.CLONE_NEWNET != 0 {
		bs.Loopback = true
	}
	return nil
}

// planHardening is what init applies once the mounts are in: masked and
// read-only paths, sysctls, device nodes, the seccomp filter (compiled
// here, in the parent), and the hooks that run inside.
func planHardening(s *specs.Spec, sc seccompIn, x *nsexec.Extras) error {
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
	switch {
	case sc.prog != nil: // found in the cache before the profile was decoded
		x.Seccomp, x.SeccompFlags = sc.prog, sc.flags
	case s.Linux.Seccomp != nil:
		prog, flags, err := seccomp.CompileCached(s.Linux.Seccomp, sc.raw, seccomp.DefaultCacheDir)
		if err != nil {
			return err
		}
		x.Seccomp, x.SeccompFlags = prog, flags
	}
	if s.Hooks != nil {
		x.Hooks.StartContainer = hooks(s.Hooks.StartContainer)
	}
	return nil
}

// seccompIn is linux.seccomp as config.json wrote it (raw: the compiled
// filter's cache key; nil when the spec was built in memory), and, when
// the cache held its program before the profile was decoded, that program
// (prog non-nil; then the spec's Linux.Seccomp is nil).
type seccompIn struct {
	raw   []byte
	prog  []byte
	flags uint
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
