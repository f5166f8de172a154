package compile

import (
	"encoding/json"
	"os"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
)

func uptr(v uint) *uint { return &v }

// The shape podman and docker send: ERRNO by default, three x86 arches,
// hundreds of names, args rules, and names this libseccomp has never heard of.
func TestPodmanDefaultProfileCompiles(t *testing.T) {
	s := podmanProfile(t)
	prog, flags, skipped, err := CompileReport(s)
	if err != nil {
		t.Fatal(err)
	}
	if len(prog) == 0 || len(prog)%8 != 0 || flags != 0 {
		t.Fatalf("prog %d bytes, flags %#x", len(prog), flags)
	}
	t.Logf("%d BPF instructions; skipped %d unknown names: %v", len(prog)/8, len(skipped), skipped)
	for _, n := range []string{"mycontainer_future_syscall_1", "mycontainer_future_syscall_2"} {
		if !slices.Contains(skipped, n) {
			t.Errorf("%s not reported as skipped", n)
		}
	}
	for _, n := range skipped {
		if _, err := libseccomp.GetSyscallFromName(n); err == nil {
			t.Errorf("%s is known to libseccomp but was skipped", n)
		}
	}
	// Names of other arches resolve through libseccomp's pseudo numbers.
	for _, n := range []string{"socketcall", "_llseek", "arm_fadvise64_64"} {
		if slices.Contains(skipped, n) {
			t.Errorf("%s skipped, but libseccomp knows it", n)
		}
	}
}

func podmanProfile(t *testing.T) *specs.LinuxSeccomp {
	t.Helper()
	b, err := os.ReadFile("testdata/podman-default.json")
	if err != nil {
		t.Fatal(err)
	}
	var s specs.LinuxSeccomp
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return &s
}

func TestFlags(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Flags:         []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_TSYNC", specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow},
	}
	_, flags, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	if flags != 2|4 { // LOG|SPEC_ALLOW; TSYNC dropped on purpose
		t.Fatalf("flags = %#x, want 0x6", flags)
	}
}

func TestNilProfileIsNothingToLoad(t *testing.T) {
	prog, flags, err := Compile(nil)
	if prog != nil || flags != 0 || err != nil {
		t.Fatalf("got %v %v %v", prog, flags, err)
	}
}

// Every rejection names the JSON path of the offending field.
func TestErrorsNameTheJSONPath(t *testing.T) {
	rule := func(sc specs.LinuxSyscall) *specs.LinuxSeccomp {
		ok := specs.LinuxSyscall{Names: []string{"getpid"}, Action: specs.ActErrno}
		return &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{ok, sc}}
	}
	eq := func(i uint) specs.LinuxSeccompArg { return specs.LinuxSeccompArg{Index: i, Op: specs.OpEqualTo} }
	for _, tc := range []struct {
		s    *specs.LinuxSeccomp
		want string
	}{
		{rule(specs.LinuxSyscall{Names: []string{"getpid"}, Action: specs.ActNotify}),
			`linux.seccomp.listenerPath: required with SCMP_ACT_NOTIFY (the agent's unix socket)`},
		{rule(specs.LinuxSyscall{Names: []string{"getpid"}, Action: "SCMP_ACT_FOO"}),
			`linux.seccomp.syscalls[1].action: unknown action "SCMP_ACT_FOO"`},
		{rule(specs.LinuxSyscall{Names: []string{"getpid"}}),
			`linux.seccomp.syscalls[1].action: missing`},
		{rule(specs.LinuxSyscall{Names: []string{"getpid"}, Action: specs.ActAllow, ErrnoRet: uptr(1)}),
			`linux.seccomp.syscalls[1].errnoRet: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW`},
		{rule(specs.LinuxSyscall{Names: []string{"getpid"}, Action: specs.ActErrno, ErrnoRet: uptr(5000)}),
			`linux.seccomp.syscalls[1].errnoRet: 5000 is out of range (0 to 4095)`},
		{rule(specs.LinuxSyscall{Action: specs.ActErrno}),
			`linux.seccomp.syscalls[1].names: empty`},
		{rule(specs.LinuxSyscall{Names: []string{"getpid", ""}, Action: specs.ActErrno}),
			`linux.seccomp.syscalls[1].names[1]: empty syscall name`},
		{rule(specs.LinuxSyscall{Names: []string{"getpid"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{eq(0), {Index: 1, Op: "SCMP_CMP_FOO"}}}),
			`linux.seccomp.syscalls[1].args[1].op: unknown operator "SCMP_CMP_FOO"`},
		{rule(specs.LinuxSyscall{Names: []string{"getpid"}, Action: specs.ActErrno, Args: []specs.LinuxSeccompArg{eq(6)}}),
			`linux.seccomp.syscalls[1].args[0].index: 6 is out of range (syscalls have arguments 0 to 5)`},
		{rule(specs.LinuxSyscall{Names: []string{"getpid"}, Action: specs.ActErrno,
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 1, ValueTwo: 2, Op: specs.OpEqualTo}}}),
			`linux.seccomp.syscalls[1].args[0].valueTwo: only used with SCMP_CMP_MASKED_EQ, not SCMP_CMP_EQ`},
		{&specs.LinuxSeccomp{DefaultAction: specs.ActNotify},
			`linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default: every syscall of the runtime's last steps would wait for the agent`},
		{&specs.LinuxSeccomp{},
			`linux.seccomp.defaultAction: missing`},
		{&specs.LinuxSeccomp{DefaultAction: specs.ActKillProcess, DefaultErrnoRet: uptr(1)},
			`linux.seccomp.defaultErrnoRet: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_KILL_PROCESS`},
		{&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Architectures: []specs.Arch{specs.ArchX86_64, "SCMP_ARCH_AMD64"}},
			`linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_AMD64"`},
		{&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{"SECCOMP_FILTER_FLAG_FOO"}},
			`linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_FOO"`},
		{&specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagWaitKillableRecv}},
			`linux.seccomp.flags[0]: "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV" is not supported (it only affects SCMP_ACT_NOTIFY)`},
	} {
		_, _, err := Compile(tc.s)
		if err == nil || err.Error() != tc.want {
			t.Errorf("got  %v\nwant %s", err, tc.want)
		}
	}
}

// Every action of the spec but NOTIFY compiles, as default and as rule.
func TestAllActionsCompile(t *testing.T) {
	for _, a := range []specs.LinuxSeccompAction{specs.ActKill, specs.ActKillProcess, specs.ActKillThread,
		specs.ActTrap, specs.ActErrno, specs.ActTrace, specs.ActAllow, specs.ActLog} {
		def := specs.ActAllow
		if a == specs.ActAllow {
			def = specs.ActLog
		}
		s := &specs.LinuxSeccomp{DefaultAction: def, Syscalls: []specs.LinuxSyscall{{Names: []string{"getpid"}, Action: a}}}
		if _, _, err := Compile(s); err != nil {
			t.Errorf("rule %s: %v", a, err)
		}
		if _, _, err := Compile(&specs.LinuxSeccomp{DefaultAction: a}); err != nil {
			t.Errorf("default %s: %v", a, err)
		}
	}
}
