package spec

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestNamespaces(t *testing.T) {
	set := func(nss ...specs.LinuxNamespace) func(*specs.Spec) {
		return func(s *specs.Spec) { s.Linux.Namespaces = nss }
	}
	ns := func(t specs.LinuxNamespaceType, path string) specs.LinuxNamespace {
		return specs.LinuxNamespace{Type: t, Path: path}
	}
	runCases(t, []fieldCase{
		{"all supported", set(ns("pid", ""), ns("network", "/run/netns/x"), ns("mount", ""), ns("ipc", ""),
			ns("uts", ""), ns("cgroup", ""), ns("user", "/proc/1/ns/user")), "", ""},
		{"pid with path", set(ns("pid", "/proc/42/ns/pid"), ns("uts", ""), ns("mount", "")), "", ""},
		{"time", set(ns("pid", ""), ns("uts", ""), ns("time", ""), ns("mount", "")), "linux.namespaces[2].type", `"time" is not supported`},
		{"unknown", set(ns("uts", ""), ns("net", ""), ns("mount", "")), "linux.namespaces[1].type", "not a namespace type"},
		{"empty type", set(ns("uts", ""), ns("", ""), ns("mount", "")), "linux.namespaces[1].type", "required"},
		{"duplicate", set(ns("uts", ""), ns("pid", ""), ns("pid", "/proc/1/ns/pid"), ns("mount", "")), "linux.namespaces[2].type", "already listed at linux.namespaces[1]"},
		{"relative path", set(ns("uts", ""), ns("network", "netns/x"), ns("mount", "")), "linux.namespaces[1].path", "absolute"},
	})
}

// Without a mount namespace of its own (none listed, or one joined by
// path) the root is used as it is: every field that needs a mount or a
// node in the shared tree is refused, each by its own path.
func TestSharedMountTree(t *testing.T) {
	shared := func(mnt []specs.LinuxNamespace, edit func(*specs.Spec)) func(*specs.Spec) {
		return func(s *specs.Spec) {
			s.Linux.Namespaces = append([]specs.LinuxNamespace{{Type: "pid"}, {Type: "uts"}}, mnt...)
			s.Mounts, s.Root.Readonly, s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = nil, false, nil, nil
			s.Linux.Devices, s.Linux.RootfsPropagation = nil, ""
			if edit != nil {
				edit(s)
			}
		}
	}
	none := []specs.LinuxNamespace(nil)
	joined := []specs.LinuxNamespace{{Type: "mount", Path: "/proc/1/ns/mnt"}}
	runCases(t, []fieldCase{
		{"inherited, nothing to mount", shared(none, nil), "", ""},
		{"joined, nothing to mount", shared(joined, nil), "", ""},
		{"inherited with a mount", shared(none, func(s *specs.Spec) {
			s.Mounts = []specs.Mount{{Destination: "/proc", Type: "proc", Source: "proc"}}
		}), "mounts", "needs a mount namespace of the container's own"},
		{"joined with a mount", shared(joined, func(s *specs.Spec) {
			s.Mounts = []specs.Mount{{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs"}}
		}), "mounts", "needs a mount namespace"},
		{"read-only root", shared(none, func(s *specs.Spec) { s.Root.Readonly = true }), "root.readonly", "needs a mount namespace"},
		{"masked paths", shared(joined, func(s *specs.Spec) { s.Linux.MaskedPaths = []string{"/x"} }), "linux.maskedPaths", "needs a mount namespace"},
		{"read-only paths", shared(none, func(s *specs.Spec) { s.Linux.ReadonlyPaths = []string{"/x"} }), "linux.readonlyPaths", "needs a mount namespace"},
		{"rootfs propagation", shared(none, func(s *specs.Spec) { s.Linux.RootfsPropagation = "private" }), "linux.rootfsPropagation", "needs a mount namespace"},
		{"devices", shared(none, func(s *specs.Spec) {
			s.Linux.Devices = []specs.LinuxDevice{{Path: "/dev/x", Type: "c", Major: 1, Minor: 3}}
		}), "linux.devices", "needs a mount namespace"},
	})
}

func TestIDMappings(t *testing.T) {
	idm := func(c, h, n uint32) specs.LinuxIDMapping {
		return specs.LinuxIDMapping{ContainerID: c, HostID: h, Size: n}
	}
	userns := func(uid, gid []specs.LinuxIDMapping) func(*specs.Spec) {
		return func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user"})
			s.Linux.UIDMappings, s.Linux.GIDMappings = uid, gid
		}
	}
	one := []specs.LinuxIDMapping{idm(0, 1000, 1)}
	runCases(t, []fieldCase{
		{"valid", userns([]specs.LinuxIDMapping{idm(0, 100000, 65536)}, []specs.LinuxIDMapping{idm(0, 100000, 1000), idm(1000, 5000, 10)}), "", ""},
		{"top of range", userns([]specs.LinuxIDMapping{idm(0, 4294967295, 1)}, one), "", ""},
		{"without userns", func(s *specs.Spec) { s.Linux.UIDMappings = one }, "linux.uidMappings", "needs a user namespace"},
		{"joined userns", func(s *specs.Spec) {
			s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "user", Path: "/proc/1/ns/user"})
			s.Linux.GIDMappings = one
		}, "linux.gidMappings", "joining"},
		{"new userns no uid map", userns(nil, one), "linux.uidMappings", "required"},
		{"new userns no gid map", userns(one, nil), "linux.gidMappings", "required"},
		{"size 0", userns([]specs.LinuxIDMapping{idm(0, 1000, 1), idm(1, 2000, 0)}, one), "linux.uidMappings[1].size", "more than 0"},
		{"wraps", userns(one, []specs.LinuxIDMapping{idm(0, 4294967295, 2)}), "linux.gidMappings[0].size", "largest id"},
		{"container overlap", userns([]specs.LinuxIDMapping{idm(0, 1000, 10), idm(5, 2000, 10)}, one),
			"linux.uidMappings[1].containerID", "overlaps linux.uidMappings[0]"},
		{"host overlap", userns([]specs.LinuxIDMapping{idm(0, 1000, 10), idm(10, 1009, 1)}, one),
			"linux.uidMappings[1].hostID", "overlaps linux.uidMappings[0]"},
		{"too many", userns(func() []specs.LinuxIDMapping {
			var m []specs.LinuxIDMapping
			for i := range uint32(341) {
				m = append(m, idm(i, 1000+i, 1))
			}
			return m
		}(), one), "linux.uidMappings", "at most 340"},
		{"uid not mapped", func(s *specs.Spec) {
			userns(one, one)(s)
			s.Process.User.UID = 5
		}, "process.user.uid", "not mapped"},
		{"gid not mapped", func(s *specs.Spec) {
			userns(one, one)(s)
			s.Process.User.GID = 5
		}, "process.user.gid", "not mapped"},
		{"additional gid not mapped", func(s *specs.Spec) {
			userns(one, one)(s)
			s.Process.User.AdditionalGids = []uint32{0, 7}
		}, "process.user.additionalGids[1]", "not mapped"},
	})
}
