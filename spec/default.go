package spec

import (
	"mycontainer/rootfs"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// RootlessID is the host uid and gid that Default(true) maps to root in
// the container. It is a placeholder: `mycontainer spec --rootless`
// replaces it with the caller's euid and egid, so Default itself does not
// depend on who runs it.
const RootlessID = 1000

// Default returns the config `mycontainer spec` writes: a shell on a
// terminal, in a rootfs directory "rootfs" beside config.json, mounted
// read-only, with new pid, network, ipc, uts, mount and cgroup namespaces.
//
// The rootless variant differs where an unprivileged user cannot do the
// same:
//   - A user namespace maps RootlessID to root, one id each way.
//   - No network namespace. An unprivileged user can create one but cannot
//     plumb a link into it, so it would hold only loopback; the host's
//     network is the useful default. Add {"type": "network"} for an
//     isolated container.
//   - /sys is a read-only bind of the host's: the kernel lets a fresh
//     sysfs be mounted only by the owner of the network namespace, which is
//     the host's here. It brings the host's /sys/fs/cgroup along, so that
//     mount goes.
//   - devpts has no gid=5: tty's group is not mapped in the namespace, and
//     the kernel refuses an unmapped gid.
//   - No linux.resources: without a delegated cgroup the user cannot
//     write limits or device rules.
func Default(rootless bool) *specs.Spec {
	s := &specs.Spec{
		Version: specs.Version,
		Process: &specs.Process{
			Terminal: true,
			User:     specs.User{UID: 0, GID: 0},
			Args:     []string{"sh"},
			Env: []string{
				"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
				"TERM=xterm",
			},
			Cwd: "/",
			// A small set: enough for a shell and a server on a low port,
			// nothing that reaches the host.
			Capabilities: &specs.LinuxCapabilities{
				Bounding:  defaultCaps(),
				Effective: defaultCaps(),
				Permitted: defaultCaps(),
			},
			Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Hard: 1024, Soft: 1024}},
			NoNewPrivileges: true,
		},
		Root:     &specs.Root{Path: "rootfs", Readonly: true},
		Hostname: "mycontainer",
		Mounts:   rootfs.BaseMounts(rootless), // the one default list
		Linux: &specs.Linux{
			Namespaces:    defaultNamespaces(rootless),
			MaskedPaths:   maskedPaths(),
			ReadonlyPaths: readonlyPaths(),
		},
	}
	if rootless {
		s.Linux.UIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: RootlessID, Size: 1}}
		s.Linux.GIDMappings = []specs.LinuxIDMapping{{ContainerID: 0, HostID: RootlessID, Size: 1}}
	} else {
		s.Linux.Resources = &specs.LinuxResources{Devices: defaultDeviceRules()}
	}
	return s
}

func defaultCaps() []string {
	return []string{"CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"}
}

func defaultNamespaces(rootless bool) []specs.LinuxNamespace {
	types := []specs.LinuxNamespaceType{specs.PIDNamespace}
	if !rootless {
		types = append(types, specs.NetworkNamespace)
	}
	types = append(types, specs.IPCNamespace, specs.UTSNamespace, specs.MountNamespace, specs.CgroupNamespace)
	if rootless {
		types = append(types, specs.UserNamespace)
	}
	nss := make([]specs.LinuxNamespace, len(types))
	for i, t := range types {
		nss[i] = specs.LinuxNamespace{Type: t}
	}
	return nss
}

// defaultDeviceRules deny every device, then allow the ones the runtime
// puts in /dev and the container's own ptys. They are written out here,
// where a user can read and change them, rather than added by the runtime
// behind the config's back.
func defaultDeviceRules() []specs.LinuxDeviceCgroup {
	dev := func(major, minor int64) specs.LinuxDeviceCgroup {
		r := specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: &major, Access: "rwm"}
		if minor >= 0 {
			r.Minor = &minor
		}
		return r
	}
	return []specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		dev(1, 3),    // null
		dev(1, 5),    // zero
		dev(1, 7),    // full
		dev(1, 8),    // random
		dev(1, 9),    // urandom
		dev(5, 0),    // tty
		dev(5, 2),    // ptmx
		dev(136, -1), // pty slaves, /dev/pts/N
	}
}
