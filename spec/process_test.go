package spec

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestProcess(t *testing.T) {
	runCases(t, []fieldCase{
		// config.md: process is OPTIONAL; start requires it, not Validate.
		{"missing", func(s *specs.Spec) { s.Process = nil }, "", ""},

		{"args", func(s *specs.Spec) { s.Process.Args = []string{"/bin/echo", "", "hi"} }, "", ""},
		{"args empty", func(s *specs.Spec) { s.Process.Args = nil }, "process.args", "at least one"},
		{"args[0] empty", func(s *specs.Spec) { s.Process.Args = []string{""} }, "process.args[0]", "must not be empty"},
		{"args NUL", func(s *specs.Spec) { s.Process.Args = []string{"sh", "a\x00b"} }, "process.args[1]", "NUL"},

		{"cwd", func(s *specs.Spec) { s.Process.Cwd = "/srv/app" }, "", ""},
		{"cwd missing", func(s *specs.Spec) { s.Process.Cwd = "" }, "process.cwd", "required"},
		{"cwd relative", func(s *specs.Spec) { s.Process.Cwd = "srv" }, "process.cwd", "absolute"},
		// Attack: a working directory in a process's fd directory
		// (CVE-2024-21626); /proc/self/fd/5 entered the container's
		// /proc/1/fd.
		{"cwd /proc/self/fd/N", func(s *specs.Spec) { s.Process.Cwd = "/proc/self/fd/5" }, "process.cwd", "CVE-2024-21626"},
		{"cwd /proc/thread-self/fd", func(s *specs.Spec) { s.Process.Cwd = "/proc/thread-self/fd" }, "process.cwd", "magic links"},
		{"cwd /proc/1/fd/3/x", func(s *specs.Spec) { s.Process.Cwd = "//proc/./1/fd/3/x" }, "process.cwd", "magic links"},
		{"cwd /proc/1/task/1/cwd", func(s *specs.Spec) { s.Process.Cwd = "/proc/1/task/1/cwd" }, "process.cwd", "magic links"},
		{"cwd /proc/self/root", func(s *specs.Spec) { s.Process.Cwd = "/proc/self/root" }, "process.cwd", "magic links"},
		{"cwd /proc", func(s *specs.Spec) { s.Process.Cwd = "/proc/sys" }, "", ""},
		{"cwd /srv/proc/self/fd", func(s *specs.Spec) { s.Process.Cwd = "/srv/proc/self/fd" }, "", ""},

		{"env", func(s *specs.Spec) { s.Process.Env = []string{"A=", "B=x=y"} }, "", ""},
		{"env no =", func(s *specs.Spec) { s.Process.Env = []string{"A=1", "B"} }, "process.env[1]", "KEY=VALUE"},
		{"env empty key", func(s *specs.Spec) { s.Process.Env = []string{"=x"} }, "process.env[0]", "empty name"},
		{"env NUL", func(s *specs.Spec) { s.Process.Env = []string{"A=x\x00y"} }, "process.env[0]", "NUL"},

		{"umask", func(s *specs.Spec) { s.Process.User.Umask = ptr[uint32](0o022) }, "", ""},
		{"umask 0777", func(s *specs.Spec) { s.Process.User.Umask = ptr[uint32](0o777) }, "", ""},
		{"umask too big", func(s *specs.Spec) { s.Process.User.Umask = ptr[uint32](1000) }, "process.user.umask", "0777"},
		{"user", func(s *specs.Spec) {
			s.Process.User = specs.User{UID: 1000, GID: 1000, AdditionalGids: []uint32{5, 10}}
		}, "", ""},
		{"username", func(s *specs.Spec) { s.Process.User.Username = "bob" }, "process.user.username", "not supported"},

		{"terminal consoleSize", func(s *specs.Spec) { s.Process.ConsoleSize = &specs.Box{Height: 24, Width: 80} }, "", ""},
		{"consoleSize without terminal", func(s *specs.Spec) {
			s.Process.Terminal = false
			s.Process.ConsoleSize = &specs.Box{Height: 24, Width: 80}
		}, "process.consoleSize", "terminal"},

		{"oomScoreAdj", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(-1000) }, "", ""},
		{"oomScoreAdj 1000", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(1000) }, "", ""},
		{"oomScoreAdj low", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(-1001) }, "process.oomScoreAdj", "-1000..1000"},
		{"oomScoreAdj high", func(s *specs.Spec) { s.Process.OOMScoreAdj = ptr(1001) }, "process.oomScoreAdj", "-1000..1000"},

		{"noNewPrivileges off", func(s *specs.Spec) { s.Process.NoNewPrivileges = false }, "", ""},

		{"commandLine", func(s *specs.Spec) { s.Process.CommandLine = "cmd.exe" }, "process.commandLine", "not supported"},
		{"apparmorProfile", func(s *specs.Spec) { s.Process.ApparmorProfile = "containers-default" }, "process.apparmorProfile", "AppArmor profile"},
		{"selinuxLabel", func(s *specs.Spec) { s.Process.SelinuxLabel = "system_u:r:container_t" }, "process.selinuxLabel", "SELinux label"},
		{"scheduler", func(s *specs.Spec) { s.Process.Scheduler = &specs.Scheduler{Policy: specs.SchedFIFO} }, "process.scheduler", "not supported"},
		{"ioPriority", func(s *specs.Spec) { s.Process.IOPriority = &specs.LinuxIOPriority{Class: specs.IOPRIO_CLASS_BE} }, "process.ioPriority", "not supported"},
		{"execCPUAffinity", func(s *specs.Spec) { s.Process.ExecCPUAffinity = &specs.CPUAffinity{Initial: "0"} }, "process.execCPUAffinity", "not supported"},
	})
}

func TestRlimits(t *testing.T) {
	rl := func(r ...specs.POSIXRlimit) func(*specs.Spec) {
		return func(s *specs.Spec) { s.Process.Rlimits = r }
	}
	runCases(t, []fieldCase{
		{"valid", rl(
			specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: 4096},
			specs.POSIXRlimit{Type: "RLIMIT_CORE", Soft: ^uint64(0), Hard: ^uint64(0)},
			specs.POSIXRlimit{Type: "RLIMIT_RTTIME", Soft: 0, Hard: 0}), "", ""},
		{"unknown", rl(specs.POSIXRlimit{Type: "RLIMIT_FOO"}), "process.rlimits[0].type", "not a known rlimit"},
		{"lower case", rl(specs.POSIXRlimit{Type: "nofile"}), "process.rlimits[0].type", "not a known rlimit"},
		{"soft above hard", rl(specs.POSIXRlimit{Type: "RLIMIT_NPROC", Soft: 2, Hard: 1}), "process.rlimits[0].soft", "above the hard limit"},
		{"duplicate", rl(
			specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: 1, Hard: 1},
			specs.POSIXRlimit{Type: "RLIMIT_NOFILE", Soft: 2, Hard: 2}), "process.rlimits[1].type", "already set by process.rlimits[0]"},
	})
}

func TestCapabilities(t *testing.T) {
	caps := func(c specs.LinuxCapabilities) func(*specs.Spec) {
		return func(s *specs.Spec) { s.Process.Capabilities = &c }
	}
	all := append([]string(nil), capNames...)
	runCases(t, []fieldCase{
		{"none", func(s *specs.Spec) { s.Process.Capabilities = nil }, "", ""},
		{"all five sets", caps(specs.LinuxCapabilities{
			Bounding: all, Effective: all, Permitted: all, Inheritable: all, Ambient: all}), "", ""},
		{"last", caps(specs.LinuxCapabilities{Bounding: []string{"CAP_CHECKPOINT_RESTORE"}}), "", ""},
		{"unknown bounding", caps(specs.LinuxCapabilities{Bounding: []string{"CAP_KILL", "CAP_FOO"}}),
			"process.capabilities.bounding[1]", "not a known capability"},
		{"no prefix", caps(specs.LinuxCapabilities{Inheritable: []string{"KILL"}}),
			"process.capabilities.inheritable[0]", "not a known capability"},
		{"beyond 40", caps(specs.LinuxCapabilities{Bounding: []string{"CAP_41"}}),
			"process.capabilities.bounding[0]", "not a known capability"},
		{"effective not permitted", caps(specs.LinuxCapabilities{Effective: []string{"CAP_KILL"}}),
			"process.capabilities.effective[0]", "not in the permitted set"},
	})
}

func TestCapabilityNumbers(t *testing.T) {
	for name, want := range map[string]int{"CAP_CHOWN": 0, "CAP_SYS_ADMIN": 21, "CAP_AUDIT_READ": 37, "CAP_CHECKPOINT_RESTORE": 40} {
		if n, ok := Capability(name); !ok || n != want {
			t.Errorf("Capability(%s) = %d, %v; want %d", name, n, ok, want)
		}
	}
	if len(capNames) != 41 {
		t.Errorf("%d capabilities, want 41", len(capNames))
	}
	if _, ok := Capability("CAP_NOPE"); ok {
		t.Error("unknown capability found")
	}
}

// Ambient capabilities the kernel cannot raise are left out, as runc does
// with its own default spec, rather than failing create.
func TestAmbientCapsKeepsOnlyRaisable(t *testing.T) {
	c := &specs.LinuxCapabilities{Permitted: []string{"CAP_KILL", "CAP_CHOWN"}, Inheritable: []string{"CAP_CHOWN"},
		Ambient: []string{"CAP_KILL", "CAP_CHOWN"}}
	if got := AmbientCaps(c); len(got) != 1 || got[0] != "CAP_CHOWN" {
		t.Errorf("AmbientCaps = %v, want [CAP_CHOWN]", got)
	}
}
