// Package compile turns an OCI seccomp profile into a classic BPF program
// with libseccomp. Only the helper binary mycontainer-seccomp (and tests)
// link it: libseccomp's package init probes the kernel with seccomp(2)
// calls and touches the library's pages in every process that links it,
// and the runtime and each container's init (the same binary) need it only
// on a compile-cache miss. The runtime keeps the cache and loads programs
// (package seccomp, pure Go) and runs the helper on a miss.
//
// Decisions, and why:
//   - Syscall names this libseccomp does not know are skipped, not fatal:
//     profiles list names for newer kernels and other arches, and runc and
//     crun skip them too. CompileReport returns them so the caller can log
//     them; Compile drops them.
//   - A rule whose action equals the default action is skipped, because
//     libseccomp rejects it and it changes nothing (runc does the same).
//   - Several args on different indices are ANDed in one rule. If any index
//     repeats, every arg becomes a rule of its own (OR), because libseccomp
//     can compare an argument only once per rule. runc, crun and youki do
//     exactly this (opencontainers/runc#2735); a drop-in must match them.
//   - SECCOMP_FILTER_FLAG_TSYNC is accepted and dropped: the filter is loaded
//     on the thread that calls execve, and execve discards every other thread
//     of the process. Syncing it onto the Go runtime's other threads would only
//     risk breaking them in the moments before exec.
//   - Syscalls from an architecture not in the filter hit libseccomp's default
//     bad-arch action (kill), as under runc; but architectures the kernel
//     cannot run are left out and then the bad-arch action is ENOSYS, the
//     kernel's own answer (abi.go).
package compile

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// path is the JSON path of the profile inside config.json, for errors.
const path = "linux.seccomp"

// Compile turns an OCI seccomp profile into a classic BPF program, ready to load
// with seccomp(SECCOMP_SET_MODE_FILTER) in the container right before execve.
// Compiling happens in the runtime's parent (outside the container), so the
// container's init needs no libseccomp at all: it loads raw bytes.
//
// prog is the raw array of struct sock_filter (8 bytes each, native endian);
// flags are SECCOMP_FILTER_FLAG_* bits for seccomp(2). A nil profile gives a
// nil prog: nothing to load.
func Compile(s *specs.LinuxSeccomp) (prog []byte, flags uint, err error) {
	prog, flags, _, err = CompileReport(s)
	return prog, flags, err
}

// CompileReport is Compile, and also returns the syscall names it skipped
// because this libseccomp does not know them, so the caller can log them.
func CompileReport(s *specs.LinuxSeccomp) (prog []byte, flags uint, skipped []string, err error) {
	if s == nil {
		return nil, 0, nil, nil
	}
	flags, err = filterFlags(s.Flags)
	if err != nil {
		return nil, 0, nil, err
	}
	if s.DefaultAction == specs.ActNotify {
		return nil, 0, nil, fmt.Errorf("%s.defaultAction: SCMP_ACT_NOTIFY cannot be the default: every syscall of the runtime's last steps would wait for the agent", path)
	}
	if usesNotify(s) {
		if s.ListenerPath == "" {
			return nil, 0, nil, fmt.Errorf("%s.listenerPath: required with SCMP_ACT_NOTIFY (the agent's unix socket)", path)
		}
		// seccomp(2) then returns the listener fd, sent to the agent.
		flags |= unix.SECCOMP_FILTER_FLAG_NEW_LISTENER
	}
	def, err := action(path+".defaultAction", s.DefaultAction, s.DefaultErrnoRet, path+".defaultErrnoRet")
	if err != nil {
		return nil, 0, nil, err
	}
	off := foreignABIs() // abi.go
	prog, skipped, err = build(s, def, treeOptimize, off)
	if err == nil && len(prog)/sizeofSockFilter+enosysStubLen > maxInsns {
		// The tree spends jumps to save comparisons; a profile near the
		// kernel's limit may fit only as a list.
		prog, skipped, err = build(s, def, listOptimize, off)
	}
	if err != nil {
		return nil, 0, nil, err
	}
	return withENOSYS(prog, s), flags, skipped, nil
}

// libseccomp's SCMP_FLTATR_CTL_OPTIMIZE levels.
const (
	listOptimize = 1 // syscalls compared one after another, by priority
	treeOptimize = 2 // a binary tree of syscall numbers per architecture
)

// maxInsns is the kernel's BPF_MAXINSNS: seccomp(2) refuses a longer program.
const maxInsns = 4096

// build makes the program at one optimisation level.
//
// Why the tree by default: seccomp(2) costs in proportion to the walk
// through the program. When the filter is attached the kernel runs it for
// every syscall number of each architecture (seccomp_cache_prepare, to
// find the always-allowed ones), with interrupts off; docker's default
// profile as a list is ~1060 instructions and took 0.9 ms per start here,
// as a tree ~1300 instructions and 0.5 ms (a 2-instruction program: 0.14
// ms). Each later syscall of the container also walks log(n) comparisons
// instead of n.
//
// off names the architectures this kernel cannot run (abi.go): they are
// left out, and a call of any architecture not in the program then gets
// ENOSYS, the kernel's own answer to an x32 call on such a kernel.
func build(s *specs.LinuxSeccomp, def libseccomp.ScmpAction, level int, off unrunnable) (prog []byte, skipped []string, err error) {
	f, err := libseccomp.NewFilter(def) // NewFilter includes the native arch
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	defer f.Release()
	if err := f.SetOptimize(level); err != nil {
		return nil, nil, fmt.Errorf("%s: libseccomp optimize level %d: %w", path, level, err)
	}
	left := false
	for i, a := range s.Architectures {
		p := fmt.Sprintf("%s.architectures[%d]", path, i)
		arch, ok := arches[a]
		if !ok {
			return nil, nil, fmt.Errorf("%s: unknown architecture %q", p, a)
		}
		if off[a] {
			left = true
			continue
		}
		if err := f.AddArch(arch); err != nil {
			return nil, nil, fmt.Errorf("%s: %q: %w", p, a, err)
		}
	}
	if left {
		if err := f.SetBadArchAction(libseccomp.ActErrno.SetReturnCode(int16(unix.ENOSYS))); err != nil {
			return nil, nil, fmt.Errorf("%s: libseccomp bad-arch action ENOSYS: %w", path, err)
		}
	}
	for i := range s.Syscalls {
		sk, err := addRules(f, def, fmt.Sprintf("%s.syscalls[%d]", path, i), &s.Syscalls[i])
		if err != nil {
			return nil, nil, err
		}
		skipped = append(skipped, sk...)
	}
	prog, err = export(f)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: exporting BPF: %w", path, err)
	}
	return prog, skipped, nil
}

// usesNotify reports whether a rule of the profile is SCMP_ACT_NOTIFY
// (seccomp.UsesNotify, which this package does not import: the runtime's
// package must not link libseccomp, nor this one depend on it).
func usesNotify(s *specs.LinuxSeccomp) bool {
	if s == nil {
		return false
	}
	for _, sc := range s.Syscalls {
		if sc.Action == specs.ActNotify {
			return true
		}
	}
	return false
}

// addRules adds the rules of one syscalls[] entry, and returns the names it
// skipped as unknown.
func addRules(f *libseccomp.ScmpFilter, def libseccomp.ScmpAction, p string, sc *specs.LinuxSyscall) ([]string, error) {
	act, err := action(p+".action", sc.Action, sc.ErrnoRet, p+".errnoRet")
	if err != nil {
		return nil, err
	}
	if len(sc.Names) == 0 {
		return nil, fmt.Errorf("%s.names: empty", p)
	}
	conds, err := conditions(p, sc.Args)
	if err != nil {
		return nil, err
	}
	var skipped []string
	for j, name := range sc.Names {
		np := fmt.Sprintf("%s.names[%d]", p, j)
		if name == "" {
			return nil, fmt.Errorf("%s: empty syscall name", np)
		}
		if act == def {
			continue
		}
		nr, err := libseccomp.GetSyscallFromName(name)
		if err != nil {
			skipped = append(skipped, name)
			continue
		}
		for _, c := range conds {
			if err := f.AddRuleConditional(nr, act, c); err != nil {
				return nil, fmt.Errorf("%s: %q: %w", np, name, err)
			}
		}
	}
	return skipped, nil
}

// conditions turns args into the condition lists of the rules to add: one
// list (AND) normally, one rule per arg (OR) when an index repeats; see the
// package comment.
func conditions(p string, args []specs.LinuxSeccompArg) ([][]libseccomp.ScmpCondition, error) {
	var all []libseccomp.ScmpCondition
	seen := map[uint]bool{}
	repeated := false
	for k, a := range args {
		ap := fmt.Sprintf("%s.args[%d]", p, k)
		op, ok := ops[a.Op]
		if !ok {
			return nil, fmt.Errorf("%s.op: unknown operator %q", ap, a.Op)
		}
		if a.Index > 5 {
			return nil, fmt.Errorf("%s.index: %d is out of range (syscalls have arguments 0 to 5)", ap, a.Index)
		}
		vals := []uint64{a.Value}
		if op == libseccomp.CompareMaskedEqual {
			vals = append(vals, a.ValueTwo) // value is the mask, valueTwo the result
		} else if a.ValueTwo != 0 {
			return nil, fmt.Errorf("%s.valueTwo: only used with SCMP_CMP_MASKED_EQ, not %s", ap, a.Op)
		}
		c, err := libseccomp.MakeCondition(a.Index, op, vals...)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", ap, err)
		}
		repeated = repeated || seen[a.Index]
		seen[a.Index] = true
		all = append(all, c)
	}
	if !repeated {
		return [][]libseccomp.ScmpCondition{all}, nil // nil conds: unconditional
	}
	each := make([][]libseccomp.ScmpCondition, len(all))
	for i, c := range all {
		each[i] = []libseccomp.ScmpCondition{c}
	}
	return each, nil
}
