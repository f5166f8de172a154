package rootfs

import (
	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// CgroupLayout describes the host's cgroup hierarchies, to mount them
// read-only at /sys/fs/cgroup. In a new cgroup namespace each shows the
// container's own cgroup as its root.
type CgroupLayout struct {
	Unified bool     // pure cgroup v2: one cgroup2 mount
	V1      []string // v1 hierarchies as mount options, e.g. "memory" or "cpu,cpuacct"
	Hybrid  bool     // also a cgroup2 at /sys/fs/cgroup/unified
}

const nosuidNodevNoexec = unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC

// CgroupMounts shows the container its cgroups, read-only: the container
// may read its limits and usage but never change them.
func CgroupMounts(l *CgroupLayout) []nsexec.Mount {
	if l == nil {
		return nil
	}
	ro := uint64(nosuidNodevNoexec | unix.MOUNT_ATTR_RDONLY)
	if l.Unified {
		return []nsexec.Mount{fs("cgroup2", "/sys/fs/cgroup", "", ro)}
	}
	// v1: a tmpfs to hold one mount per hierarchy, made read-only last.
	m := []nsexec.Mount{fs("tmpfs", "/sys/fs/cgroup", "mode=755", nosuidNodevNoexec)}
	for _, opts := range l.V1 {
		m = append(m, fs("cgroup", "/sys/fs/cgroup/"+opts, opts, ro))
	}
	if l.Hybrid {
		m = append(m, fs("cgroup2", "/sys/fs/cgroup/unified", "", ro))
	}
	return append(m, nsexec.Mount{Kind: nsexec.MountSetattr, Target: "/sys/fs/cgroup", Attr: unix.MOUNT_ATTR_RDONLY, NoFollow: true})
}

// fs is a mount of a new filesystem instance on one of the runtime's own
// targets, which must not be symlinks.
func fs(fstype, target, data string, attr uint64) nsexec.Mount {
	return nsexec.Mount{Kind: nsexec.MountFS, Source: fstype, FSType: fstype,
		Target: target, Data: data, Attr: attr, NoFollow: true}
}
