package rootfs

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Volume is a host path bound into the container (-v SRC:DST[:ro]).
type Volume struct {
	Source   string // absolute host path
	Target   string // absolute path in the container
	ReadOnly bool
}

// BaseMounts is the one default mount list: what every container gets,
// `run`'s and the bundle that `mycontainer spec` writes. The order
// matters: a later mount may cover an earlier one (/dev, then /dev/pts
// inside it). rootless: without a user namespace of its own the
// container can make neither sysfs nor a devpts with gid=5, so /sys is
// the host's, bound read-only.
func BaseMounts(rootless bool) []specs.Mount {
	devpts := []string{"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"}
	if !rootless {
		devpts = append(devpts, "gid=5") // tty, so that mesg and write work
	}
	m := []specs.Mount{
		// A fresh procfs shows only the new PID namespace.
		{Destination: "/proc", Type: "proc", Source: "proc", Options: []string{"nosuid", "noexec", "nodev"}},
		// /dev is a small tmpfs holding only the nodes a program needs, never
		// the host's devtmpfs. It must allow device nodes, so no nodev.
		{Destination: "/dev", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "strictatime", "mode=755", "size=65536k"}},
		// newinstance gives the container its own pty numbering, so it can
		// neither see nor open the host's ptys; ptmxmode makes /dev/ptmx usable.
		{Destination: "/dev/pts", Type: "devpts", Source: "devpts", Options: devpts},
		{Destination: "/dev/shm", Type: "tmpfs", Source: "shm", Options: []string{"nosuid", "noexec", "nodev", "mode=1777", "size=65536k"}},
		{Destination: "/dev/mqueue", Type: "mqueue", Source: "mqueue", Options: []string{"nosuid", "noexec", "nodev"}},
	}
	if rootless {
		return append(m, specs.Mount{Destination: "/sys", Type: "bind", Source: "/sys", Options: []string{"rbind", "nosuid", "noexec", "nodev", "ro"}})
	}
	return append(m,
		// sysfs is read-only: writes there reach the host's kernel objects.
		specs.Mount{Destination: "/sys", Type: "sysfs", Source: "sysfs", Options: []string{"nosuid", "noexec", "nodev", "ro"}},
		specs.Mount{Destination: "/sys/fs/cgroup", Type: "cgroup", Source: "cgroup", Options: []string{"nosuid", "noexec", "nodev", "relatime", "ro"}},
	)
}

// DefaultMounts is the filesystem a `run` container gets: BaseMounts, a
// /tmp, a /run over the host's (in the host-root form), then the user's
// volumes last, so they can cover anything the runtime set up.
func DefaultMounts(hostRoot bool, vols []Volume) []specs.Mount {
	m := append(BaseMounts(false),
		specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=1777"}})
	if hostRoot {
		m = append(m, specs.Mount{Destination: "/run", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "nodev", "mode=755"}})
	}
	for _, v := range vols {
		opts := []string{"rbind"}
		if v.ReadOnly {
			// -v SRC:DST:ro: the volume and every mount under it
			// ("ro" alone covers the top mount only).
			opts = append(opts, "rro")
		}
		m = append(m, specs.Mount{Destination: v.Target, Type: "bind", Source: v.Source, Options: opts})
	}
	return m
}
