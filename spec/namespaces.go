package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// supportedNamespaces are the namespaces mycontainer creates or joins.
var supportedNamespaces = map[specs.LinuxNamespaceType]bool{
	specs.PIDNamespace:     true,
	specs.NetworkNamespace: true,
	specs.MountNamespace:   true,
	specs.IPCNamespace:     true,
	specs.UTSNamespace:     true,
	specs.UserNamespace:    true,
	specs.CgroupNamespace:  true,
}

// namespace finds the entry for a type in linux.namespaces.
func namespace(s *specs.Spec, t specs.LinuxNamespaceType) (specs.LinuxNamespace, bool) {
	if s.Linux == nil {
		return specs.LinuxNamespace{}, false
	}
	for _, ns := range s.Linux.Namespaces {
		if ns.Type == t {
			return ns, true
		}
	}
	return specs.LinuxNamespace{}, false
}

// checkNamespaces: each type at most once (the spec: duplicates MUST be
// an error), a known type, and a path, if any, absolute: it names a
// namespace file such as /proc/PID/ns/net or a bind mount of one, opened
// on the host before setns(2). Joining a pid namespace by path is allowed:
// the container's init then is not PID 1 of its namespace.
func checkNamespaces(p *problems, nss []specs.LinuxNamespace) {
	seen := map[specs.LinuxNamespaceType]int{}
	for i, ns := range nss {
		path := idx("linux.namespaces", i)
		switch {
		case ns.Type == specs.TimeNamespace:
			// Time namespaces (Linux 5.6) take effect only for children
			// of the unsharing process and need linux.timeOffsets written
			// before the first child; not implemented yet.
			p.add(field(path, "type"), "%q is not supported", ns.Type)
			continue
		case ns.Type == "":
			p.add(field(path, "type"), "is required")
			continue
		case !supportedNamespaces[ns.Type]:
			p.add(field(path, "type"), "%q is not a namespace type (pid, network, mount, ipc, uts, user, cgroup)", ns.Type)
			continue
		}
		if j, dup := seen[ns.Type]; dup {
			p.add(field(path, "type"), "%q is already listed at linux.namespaces[%d]", ns.Type, j)
		}
		seen[ns.Type] = i
		if ns.Path != "" {
			checkAbsPath(p, field(path, "path"), ns.Path)
		}
	}
}

// OwnMountNamespace says whether the container gets a new mount namespace:
// a "mount" entry without a path. Without one it shares the runtime's
// tree (no entry) or the tree of the namespace it joins (a path).
func OwnMountNamespace(s *specs.Spec) bool {
	ns, ok := namespace(s, specs.MountNamespace)
	return ok && ns.Path == ""
}

// checkSharedMountTree: without a mount namespace of its own, the
// container's root is used as it is and entered with chroot, as runc
// does (nsexec/chroot.c). Every field that needs a mount, or a new node
// in the tree, is refused: in a tree shared with the runtime (or with
// the joined namespace's processes) it would outlive the container and
// show to everyone else, and runc's way of doing them there ("/" made
// rslave, the rootfs bound onto itself) changes the host for good.
func checkSharedMountTree(p *problems, s *specs.Spec) {
	if s.Linux == nil || OwnMountNamespace(s) {
		return
	}
	const why = "needs a mount namespace of the container's own (a \"mount\" entry without a path in linux.namespaces): the container shares its mount tree, where mycontainer mounts nothing"
	if len(s.Mounts) > 0 {
		p.add("mounts", "%s", why)
	}
	if s.Root != nil && s.Root.Readonly {
		p.add("root.readonly", "%s", why)
	}
	l := s.Linux
	if len(l.MaskedPaths) > 0 {
		p.add("linux.maskedPaths", "%s", why)
	}
	if len(l.ReadonlyPaths) > 0 {
		p.add("linux.readonlyPaths", "%s", why)
	}
	if l.RootfsPropagation != "" {
		p.add("linux.rootfsPropagation", "%s", why)
	}
	if len(l.Devices) > 0 {
		p.add("linux.devices", "%s", why)
	}
}
