package rootfs

import (
	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// Volume is a host path bound into the container (-v SRC:DST[:ro]).
type Volume struct {
	Source   string // absolute host path
	Target   string // absolute path in the container
	ReadOnly bool
	File     bool // the source is a file, not a directory
}

// PlanOptions say what the container's filesystem should look like.
type PlanOptions struct {
	HostRoot bool // the default root: the host's "/" read-only, fresh /run
	Volumes  []Volume
	Cgroup   *CgroupLayout // nil: no /sys/fs/cgroup mounts
}

// CgroupLayout describes the host's cgroup hierarchies, to mount them
// read-only at /sys/fs/cgroup. In a new cgroup namespace each shows the
// container's own cgroup as its root.
type CgroupLayout struct {
	Unified bool     // pure cgroup v2: one cgroup2 mount
	V1      []string // v1 hierarchies as mount options, e.g. "memory" or "cpu,cpuacct"
	Hybrid  bool     // also a cgroup2 at /sys/fs/cgroup/unified
}

const (
	nosuidNodevNoexec = unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC
)

// Plan returns the ordered mount steps and the bind sources the C
// constructor must open before pivot_root. The order matters: a later
// mount may cover an earlier one (/dev, then /dev/pts inside it), and user
// volumes come last so they can cover anything the runtime set up.
//
// The runtime's own targets are NoFollow: /proc, /sys, /dev and friends
// must be real directories in the rootfs. A rootfs that makes /proc a
// symlink is refused outright, as runc does since CVE-2019-19921, because
// a mount through it could land wherever the link points.
func Plan(o PlanOptions) (mounts []nsexec.Mount, bindSources []string) {
	mounts = []nsexec.Mount{
		// A fresh procfs shows only the new PID namespace.
		fs("proc", "/proc", "", nosuidNodevNoexec),
		// /dev is a small tmpfs holding only the nodes a program needs, never
		// the host's devtmpfs. It must allow device nodes, so no nodev.
		fs("tmpfs", "/dev", "mode=755,size=65536k", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_STRICTATIME),
		{Kind: nsexec.MountDevices, Target: "/dev", NoFollow: true},
		// newinstance gives the container its own pty numbering, so it can
		// neither see nor open the host's ptys; ptmxmode makes /dev/ptmx usable.
		fs("devpts", "/dev/pts", "newinstance,ptmxmode=0666,mode=0620,gid=5", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NOEXEC),
		fs("tmpfs", "/dev/shm", "mode=1777,size=65536k", nosuidNodevNoexec),
		fs("mqueue", "/dev/mqueue", "", nosuidNodevNoexec),
		// sysfs is read-only: writes there reach the host's kernel objects.
		fs("sysfs", "/sys", "", nosuidNodevNoexec|unix.MOUNT_ATTR_RDONLY),
	}
	mounts = append(mounts, CgroupMounts(o.Cgroup)...)
	mounts = append(mounts, fs("tmpfs", "/tmp", "mode=1777", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV))
	if o.HostRoot {
		mounts = append(mounts, fs("tmpfs", "/run", "mode=755", unix.MOUNT_ATTR_NOSUID|unix.MOUNT_ATTR_NODEV))
	}
	for _, v := range o.Volumes {
		m := nsexec.Mount{Kind: nsexec.MountBind, Source: v.Source, Target: v.Target,
			BindIdx: uint32(len(bindSources)), File: v.File}
		if v.ReadOnly {
			m.Attr = unix.MOUNT_ATTR_RDONLY
		}
		mounts = append(mounts, m)
		bindSources = append(bindSources, v.Source)
	}
	return mounts, bindSources
}

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
