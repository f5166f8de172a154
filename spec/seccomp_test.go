package spec

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestSeccomp(t *testing.T) {
	sc := func(f func(sc *specs.LinuxSeccomp)) func(*specs.Spec) {
		return func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{
				DefaultAction:   specs.ActErrno,
				DefaultErrnoRet: ptr[uint](38),
				Architectures:   []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
				Syscalls: []specs.LinuxSyscall{
					{Names: []string{"read", "write"}, Action: specs.ActAllow},
					{Names: []string{"personality"}, Action: specs.ActAllow,
						Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0, Op: specs.OpEqualTo}}},
					{Names: []string{"clone"}, Action: specs.ActAllow,
						Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0x7e020000, ValueTwo: 0, Op: specs.OpMaskedEqual}}},
					{Names: []string{"ptrace"}, Action: specs.ActErrno, ErrnoRet: ptr[uint](1)},
				},
			}
			f(s.Linux.Seccomp)
		}
	}
	runCases(t, []fieldCase{
		{"podman-like", sc(func(*specs.LinuxSeccomp) {}), "", ""},
		{"flags", sc(func(s *specs.LinuxSeccomp) { s.Flags = []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog} }), "", ""},
		{"every action", sc(func(s *specs.LinuxSeccomp) {
			for _, a := range seccompActions {
				s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{"x"}, Action: a})
			}
			s.ListenerPath = "/run/agent.sock"
		}), "", ""},
		{"no default action", sc(func(s *specs.LinuxSeccomp) { s.DefaultAction = "" }), "linux.seccomp.defaultAction", "required"},
		{"bad default action", sc(func(s *specs.LinuxSeccomp) { s.DefaultAction = "SCMP_ACT_NOPE" }), "linux.seccomp.defaultAction", "not a seccomp action"},
		{"errnoRet with allow", sc(func(s *specs.LinuxSeccomp) { s.DefaultAction = specs.ActAllow }), "linux.seccomp.defaultErrnoRet", "SCMP_ACT_ERRNO"},
		{"bad arch", sc(func(s *specs.LinuxSeccomp) { s.Architectures[1] = "x86_64" }), "linux.seccomp.architectures[1]", "not a seccomp architecture"},
		{"bad flag", sc(func(s *specs.LinuxSeccomp) { s.Flags = []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC"} }), "linux.seccomp.flags[0]", "not a seccomp filter flag"},
		{"bad rule action", sc(func(s *specs.LinuxSeccomp) { s.Syscalls[1].Action = "allow" }), "linux.seccomp.syscalls[1].action", "not a seccomp action"},
		{"rule errnoRet with allow", sc(func(s *specs.LinuxSeccomp) { s.Syscalls[0].ErrnoRet = ptr[uint](1) }), "linux.seccomp.syscalls[0].errnoRet", "SCMP_ACT_ERRNO"},
		{"no names", sc(func(s *specs.LinuxSeccomp) { s.Syscalls[0].Names = nil }), "linux.seccomp.syscalls[0].names", "at least one"},
		{"empty name", sc(func(s *specs.LinuxSeccomp) { s.Syscalls[0].Names[1] = "" }), "linux.seccomp.syscalls[0].names[1]", "empty"},
		{"arg index", sc(func(s *specs.LinuxSeccomp) { s.Syscalls[1].Args[0].Index = 6 }), "linux.seccomp.syscalls[1].args[0].index", "0..5"},
		{"arg op", sc(func(s *specs.LinuxSeccomp) { s.Syscalls[1].Args[0].Op = "==" }), "linux.seccomp.syscalls[1].args[0].op", "not a seccomp operator"},
		{"notify without listener", sc(func(s *specs.LinuxSeccomp) { s.Syscalls[0].Action = specs.ActNotify }), "linux.seccomp.listenerPath", "required"},
		{"notify sendmsg (the hand-over)", sc(func(s *specs.LinuxSeccomp) {
			s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{"mount", "sendmsg"}, Action: specs.ActNotify})
			s.ListenerPath = "/run/agent.sock"
		}), "linux.seccomp.syscalls[4].names[1]", "before its listener reaches the agent"},
		{"notify futex (Go's runtime on init's thread)", sc(func(s *specs.LinuxSeccomp) {
			s.Syscalls = append(s.Syscalls, specs.LinuxSyscall{Names: []string{"futex"}, Action: specs.ActNotify})
			s.ListenerPath = "/run/agent.sock"
		}), "linux.seccomp.syscalls[4].names[0]", "no one can give"},
		{"notify default", sc(func(s *specs.LinuxSeccomp) { s.DefaultAction = specs.ActNotify; s.DefaultErrnoRet = nil }), "linux.seccomp.defaultAction", "cannot be the default"},
		{"listenerPath relative", sc(func(s *specs.LinuxSeccomp) { s.ListenerPath = "run/agent.sock" }), "linux.seccomp.listenerPath", "absolute"},
	})
}
