package spec

import (
	"os"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestLinuxPaths(t *testing.T) {
	runCases(t, []fieldCase{
		{"cgroupsPath absolute", func(s *specs.Spec) { s.Linux.CgroupsPath = "/default/abc" }, "", ""},
		{"cgroupsPath relative", func(s *specs.Spec) { s.Linux.CgroupsPath = "mycontainer/abc" }, "", ""},
		{"cgroupsPath systemd form", func(s *specs.Spec) { s.Linux.CgroupsPath = "machine.slice:libpod:abc" }, "", ""},
		{"cgroupsPath dotdot", func(s *specs.Spec) { s.Linux.CgroupsPath = "/a/../../b" }, "linux.cgroupsPath", `".."`},

		{"cgroupsPath NUL", func(s *specs.Spec) { s.Linux.CgroupsPath = "/a\x00" }, "linux.cgroupsPath", "NUL"},

		{"maskedPaths", func(s *specs.Spec) { s.Linux.MaskedPaths = []string{"/proc/kcore", "/sys/firmware"} }, "", ""},
		{"maskedPaths relative", func(s *specs.Spec) { s.Linux.MaskedPaths = []string{"/proc/kcore", "proc/keys"} }, "linux.maskedPaths[1]", "absolute"},
		{"readonlyPaths", func(s *specs.Spec) { s.Linux.ReadonlyPaths = []string{"/proc/sys"} }, "", ""},
		{"readonlyPaths dotdot", func(s *specs.Spec) { s.Linux.ReadonlyPaths = []string{"/proc/../etc"} }, "linux.readonlyPaths[0]", `".."`},

		{"rootfsPropagation", func(s *specs.Spec) { s.Linux.RootfsPropagation = "rslave" }, "", ""},
		{"rootfsPropagation private", func(s *specs.Spec) { s.Linux.RootfsPropagation = "private" }, "", ""},
		{"rootfsPropagation bad", func(s *specs.Spec) { s.Linux.RootfsPropagation = "slaves" }, "linux.rootfsPropagation", "rprivate"},

		{"mountLabel", func(s *specs.Spec) { s.Linux.MountLabel = "system_u:object_r:container_file_t" }, "linux.mountLabel", "not supported"},
		{"intelRdt", func(s *specs.Spec) { s.Linux.IntelRdt = &specs.LinuxIntelRdt{ClosID: "x"} }, "linux.intelRdt", "not supported"},
		{"personality", func(s *specs.Spec) { s.Linux.Personality = &specs.LinuxPersonality{Domain: specs.PerLinux32} }, "linux.personality", "not supported"},
		{"timeOffsets", func(s *specs.Spec) { s.Linux.TimeOffsets = map[string]specs.LinuxTimeOffset{"monotonic": {Secs: 1}} }, "linux.timeOffsets", "not supported"},
	})
}

func TestDevices(t *testing.T) {
	dev := func(ds ...specs.LinuxDevice) func(*specs.Spec) {
		return func(s *specs.Spec) { s.Linux.Devices = ds }
	}
	mode := os.FileMode(0o666)
	runCases(t, []fieldCase{
		{"valid", dev(
			specs.LinuxDevice{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, FileMode: &mode, UID: ptr[uint32](0), GID: ptr[uint32](0)},
			specs.LinuxDevice{Path: "/dev/sda", Type: "b", Major: 8},
			specs.LinuxDevice{Path: "/dev/ttyX", Type: "u", Major: 4, Minor: 64},
			specs.LinuxDevice{Path: "/dev/pipe", Type: "p"}), "", ""},
		{"relative", dev(specs.LinuxDevice{Path: "dev/fuse", Type: "c", Major: 10, Minor: 229}), "linux.devices[0].path", "absolute"},
		{"outside /dev", dev(specs.LinuxDevice{Path: "/etc/fuse", Type: "c", Major: 10, Minor: 229}), "linux.devices[0].path", "under /dev/"},
		{"is /dev", dev(specs.LinuxDevice{Path: "/dev/", Type: "c", Major: 10, Minor: 229}), "linux.devices[0].path", "under /dev/"},
		{"dotdot", dev(specs.LinuxDevice{Path: "/dev/../etc/x", Type: "c"}), "linux.devices[0].path", `".."`},
		{"duplicate", dev(specs.LinuxDevice{Path: "/dev/a", Type: "p"}, specs.LinuxDevice{Path: "/dev/a", Type: "p"}), "linux.devices[1].path", "already created by linux.devices[0]"},
		{"bad type", dev(specs.LinuxDevice{Path: "/dev/a", Type: "x"}), "linux.devices[0].type", "c, b, u or p"},
		{"no type", dev(specs.LinuxDevice{Path: "/dev/a"}), "linux.devices[0].type", "required"},
		{"negative major", dev(specs.LinuxDevice{Path: "/dev/a", Type: "c", Major: -1}), "linux.devices[0].major", "negative"},
		{"negative minor", dev(specs.LinuxDevice{Path: "/dev/a", Type: "b", Minor: -1}), "linux.devices[0].minor", "negative"},
		{"fileMode type bits", dev(specs.LinuxDevice{Path: "/dev/a", Type: "p", FileMode: ptr(os.FileMode(0o4666))}), "linux.devices[0].fileMode", "0777"},
	})
}

func TestSysctl(t *testing.T) {
	sysctl := func(k, v string) func(*specs.Spec) {
		return func(s *specs.Spec) { s.Linux.Sysctl = map[string]string{k: v} }
	}
	runCases(t, []fieldCase{
		{"net", sysctl("net.ipv4.ping_group_range", "0 0"), "", ""},
		{"net joined netns", func(s *specs.Spec) {
			sysctl("net.ipv4.ip_forward", "1")(s)
			s.Linux.Namespaces[1] = specs.LinuxNamespace{Type: "network", Path: "/run/netns/x"}
		}, "", ""},
		{"shm", sysctl("kernel.shmmax", "1"), "", ""},
		{"msg", sysctl("kernel.msgmnb", "1"), "", ""},
		{"sem", sysctl("kernel.sem", "250 32000 32 128"), "", ""},
		{"mqueue", sysctl("fs.mqueue.msg_max", "10"), "", ""},
		{"net without netns", func(s *specs.Spec) {
			sysctl("net.ipv4.ip_forward", "1")(s)
			withNS(s, "pid", "mount", "uts")
		}, `linux.sysctl["net.ipv4.ip_forward"]`, "network namespace"},
		{"ipc without ipcns", func(s *specs.Spec) {
			sysctl("kernel.shmmax", "1")(s)
			withNS(s, "pid", "mount", "uts")
		}, `linux.sysctl["kernel.shmmax"]`, "ipc namespace"},
		{"host sysctl", sysctl("kernel.domainname", "x"), `linux.sysctl["kernel.domainname"]`, "only namespaced sysctls"},
		{"vm", sysctl("vm.overcommit_memory", "1"), `linux.sysctl["vm.overcommit_memory"]`, "only namespaced sysctls"},
		{"slash form", sysctl("net/ipv4/ip_forward", "1"), `linux.sysctl["net/ipv4/ip_forward"]`, "dotted"},
		{"dotdot", sysctl("net...x", "1"), `linux.sysctl["net...x"]`, "dotted"},
	})
}
