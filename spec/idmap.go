package spec

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxIDExtents is the kernel's UID_GID_MAP_MAX_EXTENTS (Linux 4.15): a
// uid_map or gid_map takes at most this many lines.
const maxIDExtents = 340

// checkIDMappings: mappings are written to /proc/PID/{uid,gid}_map of a
// user namespace the runtime creates, so they need one (without a path:
// a joined namespace already has its maps, which can be written once).
// A new user namespace needs both maps, or every id in it is the overflow
// id and setuid/setgid to the process's user fail.
func checkIDMappings(p *problems, s *specs.Spec) {
	l := s.Linux
	userns, hasUserns := namespace(s, specs.UserNamespace)
	newUserns := hasUserns && userns.Path == ""
	for _, m := range []struct {
		path string
		maps []specs.LinuxIDMapping
	}{{"linux.uidMappings", l.UIDMappings}, {"linux.gidMappings", l.GIDMappings}} {
		switch {
		case len(m.maps) == 0:
			if newUserns {
				p.add(m.path, "is required with a new user namespace")
			}
			continue
		case !hasUserns:
			p.add(m.path, "needs a user namespace in linux.namespaces")
			continue
		case !newUserns:
			p.add(m.path, "cannot be set when joining a user namespace by path; it already has its mappings")
			continue
		}
		checkExtents(p, m.path, m.maps)
	}
}

// checkExtents applies the kernel's rules for a map (map_write in
// kernel/user_namespace.c): at most 340 lines, each of size > 0 with
// neither range wrapping past 2^32, and no two lines overlapping, neither
// in the namespace's ids nor in the parent's.
func checkExtents(p *problems, path string, maps []specs.LinuxIDMapping) {
	if len(maps) > maxIDExtents {
		p.add(path, "has %d entries; the kernel takes at most %d", len(maps), maxIDExtents)
	}
	for i, m := range maps {
		ipath := idx(path, i)
		if m.Size == 0 {
			p.add(field(ipath, "size"), "must be more than 0")
			continue
		}
		if uint64(m.ContainerID)+uint64(m.Size) > 1<<32 || uint64(m.HostID)+uint64(m.Size) > 1<<32 {
			p.add(field(ipath, "size"), "%d runs past the largest id 4294967295", m.Size)
			continue
		}
		for j := range i {
			o := maps[j]
			if o.Size == 0 {
				continue
			}
			if overlap(m.ContainerID, m.Size, o.ContainerID, o.Size) {
				p.add(field(ipath, "containerID"), "range %s overlaps %s[%d]", span(m.ContainerID, m.Size), path, j)
			}
			if overlap(m.HostID, m.Size, o.HostID, o.Size) {
				p.add(field(ipath, "hostID"), "range %s overlaps %s[%d]", span(m.HostID, m.Size), path, j)
			}
		}
	}
}

func overlap(a, an, b, bn uint32) bool {
	return uint64(a) < uint64(b)+uint64(bn) && uint64(b) < uint64(a)+uint64(an)
}

func span(start, size uint32) string {
	return fmt.Sprintf("%d-%d", start, uint64(start)+uint64(size)-1)
}

// checkUserMapped: in a new user namespace the process's ids must be
// mapped, or setuid/setgid/setgroups fail with EINVAL at start.
func checkUserMapped(p *problems, s *specs.Spec) {
	ns, ok := namespace(s, specs.UserNamespace)
	if !ok || ns.Path != "" || s.Linux == nil || s.Process == nil {
		return
	}
	u := s.Process.User
	if len(s.Linux.UIDMappings) > 0 && !mapped(s.Linux.UIDMappings, u.UID) {
		p.add("process.user.uid", "%d is not mapped by linux.uidMappings", u.UID)
	}
	if len(s.Linux.GIDMappings) == 0 {
		return
	}
	if !mapped(s.Linux.GIDMappings, u.GID) {
		p.add("process.user.gid", "%d is not mapped by linux.gidMappings", u.GID)
	}
	for i, g := range u.AdditionalGids {
		if !mapped(s.Linux.GIDMappings, g) {
			p.add(idx("process.user.additionalGids", i), "%d is not mapped by linux.gidMappings", g)
		}
	}
}

func mapped(maps []specs.LinuxIDMapping, id uint32) bool {
	for _, m := range maps {
		if id >= m.ContainerID && uint64(id) < uint64(m.ContainerID)+uint64(m.Size) {
			return true
		}
	}
	return false
}
