package spec

import (
	"path/filepath"
	"slices"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Loading the filter (libseccomp) is a later step; this checks that the
// profile is well formed and uses only the spec's names, so a typo is
// reported at create rather than as a filter that does something else.
// Syscall names are not checked here: only libseccomp knows each
// architecture's table, and profiles name syscalls a kernel may lack.

var seccompActions = []specs.LinuxSeccompAction{
	specs.ActKill, specs.ActKillProcess, specs.ActKillThread, specs.ActTrap,
	specs.ActErrno, specs.ActTrace, specs.ActAllow, specs.ActLog,
	specs.ActNotify, // the filter's listener fd goes to the agent at listenerPath
}

var seccompArches = []specs.Arch{
	specs.ArchX86, specs.ArchX86_64, specs.ArchX32, specs.ArchARM, specs.ArchAARCH64,
	specs.ArchMIPS, specs.ArchMIPS64, specs.ArchMIPS64N32, specs.ArchMIPSEL,
	specs.ArchMIPSEL64, specs.ArchMIPSEL64N32, specs.ArchPPC, specs.ArchPPC64,
	specs.ArchPPC64LE, specs.ArchS390, specs.ArchS390X, specs.ArchPARISC,
	specs.ArchPARISC64, specs.ArchRISCV64, specs.ArchLOONGARCH64, specs.ArchM68K,
	specs.ArchSH, specs.ArchSHEB,
}

var seccompFlags = []specs.LinuxSeccompFlag{
	specs.LinuxSeccompFlagLog, specs.LinuxSeccompFlagSpecAllow, specs.LinuxSeccompFlagWaitKillableRecv,
}

var seccompOps = []specs.LinuxSeccompOperator{
	specs.OpNotEqual, specs.OpLessThan, specs.OpLessEqual, specs.OpEqualTo,
	specs.OpGreaterEqual, specs.OpGreaterThan, specs.OpMaskedEqual,
}

// maxSyscallArgs: a system call has at most six arguments.
const maxSyscallArgs = 6

func checkSeccomp(p *problems, sc *specs.LinuxSeccomp) {
	if sc == nil {
		return
	}
	const base = "linux.seccomp"
	checkSeccompAction(p, base+".defaultAction", sc.DefaultAction)
	if sc.DefaultErrnoRet != nil && mustNotTakeErrno(sc.DefaultAction) {
		p.add(base+".defaultErrnoRet", "only applies when defaultAction is SCMP_ACT_ERRNO or SCMP_ACT_TRACE")
	}
	for i, a := range sc.Architectures {
		if !slices.Contains(seccompArches, a) {
			p.add(idx(base+".architectures", i), "%q is not a seccomp architecture (SCMP_ARCH_X86_64, ...)", a)
		}
	}
	for i, f := range sc.Flags {
		if !slices.Contains(seccompFlags, f) {
			p.add(idx(base+".flags", i), "%q is not a seccomp filter flag", f)
		}
	}
	if sc.DefaultAction == specs.ActNotify {
		p.add(base+".defaultAction", "SCMP_ACT_NOTIFY cannot be the default: the runtime's own last steps would wait for the agent")
	}
	notify := false
	for _, rule := range sc.Syscalls {
		notify = notify || rule.Action == specs.ActNotify
	}
	switch {
	case notify && sc.ListenerPath == "":
		p.add(base+".listenerPath", "is required with SCMP_ACT_NOTIFY: the agent's unix socket")
	case sc.ListenerPath != "" && !filepath.IsAbs(sc.ListenerPath):
		p.add(base+".listenerPath", "%q must be an absolute path", sc.ListenerPath)
	}
	for i, rule := range sc.Syscalls {
		path := idx(base+".syscalls", i)
		if len(rule.Names) == 0 {
			p.add(field(path, "names"), "must name at least one system call")
		}
		for j, n := range rule.Names {
			if n == "" {
				p.add(idx(field(path, "names"), j), "is empty")
			}
		}
		checkSeccompAction(p, field(path, "action"), rule.Action)
		if rule.Action == specs.ActNotify {
			checkNotifyNames(p, path, rule.Names)
		}
		if rule.ErrnoRet != nil && mustNotTakeErrno(rule.Action) {
			p.add(field(path, "errnoRet"), "only applies to SCMP_ACT_ERRNO or SCMP_ACT_TRACE")
		}
		for j, a := range rule.Args {
			apath := idx(field(path, "args"), j)
			if a.Index >= maxSyscallArgs {
				p.add(field(apath, "index"), "%d is out of range: a system call has arguments 0..5", a.Index)
			}
			if !slices.Contains(seccompOps, a.Op) {
				p.add(field(apath, "op"), "%q is not a seccomp operator (SCMP_CMP_EQ, ...)", a.Op)
			}
		}
	}
}

func checkSeccompAction(p *problems, path string, a specs.LinuxSeccompAction) {
	switch {
	case a == "":
		p.add(path, "is required")
	case !slices.Contains(seccompActions, a):
		p.add(path, "%q is not a seccomp action (SCMP_ACT_ALLOW, SCMP_ACT_ERRNO, ...)", a)
	}
}

// mustNotTakeErrno: the spec gives an errno only to SCMP_ACT_ERRNO (the
// value returned) and SCMP_ACT_TRACE (the value passed to the tracer). An
// unknown action is reported once, by checkSeccompAction.
func mustNotTakeErrno(a specs.LinuxSeccompAction) bool {
	return slices.Contains(seccompActions, a) && a != specs.ActErrno && a != specs.ActTrace
}

// handOverSyscalls are the system calls init's thread may make between
// loading a filter with SCMP_ACT_NOTIFY rules and handing its listener fd
// to the agent: the sendmsg that carries it, and what Go's runtime may do
// on that thread meanwhile (a preemption signal's return, a futex wake,
// a page of memory, a yield). A notified call there waits for an answer
// from a listener that only this thread holds: init hangs for good, and
// the container with it. Refused at create, by name; the architecture
// variants (send, socketcall) are listed for profiles that name them.
var handOverSyscalls = []string{
	"sendmsg", "sendto", "send", "socketcall",
	"futex", "futex_time64", "rt_sigreturn", "rt_sigprocmask", "sigaltstack",
	"mmap", "munmap", "madvise", "mprotect", "nanosleep", "clock_nanosleep", "sched_yield",
	"getpid", "gettid", "tgkill", "exit", "exit_group",
}

func checkNotifyNames(p *problems, path string, names []string) {
	for j, n := range names {
		if slices.Contains(handOverSyscalls, n) {
			p.add(idx(field(path, "names"), j), "SCMP_ACT_NOTIFY on %q: init makes this call after loading the filter and before its listener reaches the agent (by sendmsg), so it would wait for an answer no one can give; notify other system calls", n)
		}
	}
}
