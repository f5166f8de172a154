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
		{"pid with path", set(ns("pid", "/proc/42/ns/pid"), ns("uts", "")), "", ""},
		{"time", set(ns("pid", ""), ns("uts", ""), ns("time", "")), "linux.namespaces[2].type", `"time" is not supported`},
		{"unknown", set(ns("uts", ""), ns("net", "")), "linux.namespaces[1].type", "not a namespace type"},
		{"empty type", set(ns("uts", ""), ns("", "")), "linux.namespaces[1].type", "required"},
		{"duplicate", set(ns("uts", ""), ns("pid", ""), ns("pid", "/proc/1/ns/pid")), "linux.namespaces[2].type", "already listed at linux.namespaces[1]"},
		{"relative path", set(ns("uts", ""), ns("network", "netns/x")), "linux.namespaces[1].path", "absolute"},
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
