package compile

/*
#include <errno.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

// myc_ia32_runs: 1 if this kernel runs i386 system calls (int $0x80),
// 0 if it refuses them, -1 if that cannot be told. A kernel built
// without IA32_EMULATION, or booted with ia32_emulation=0, has no int
// $0x80 gate: the instruction faults (SIGSEGV), it never reaches seccomp.
// The probe runs in a forked child, which does nothing but the call and
// _exit (async-signal-safe: the child of a threaded process may do no
// more), with SIGSEGV back to its default so the Go runtime's handler,
// inherited through fork, never runs there.
static int myc_ia32_runs(void)
{
#if defined(__x86_64__)
	struct sigaction dfl = { .sa_handler = SIG_DFL };
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		long r;

		sigaction(SIGSEGV, &dfl, NULL);
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20L) : "memory"); // i386 getpid
		_exit(r > 0 ? 0 : 2);
	}
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return -1;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 1;
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV)
		return 0;
#endif
	return -1;
}
*/
import "C"

import (
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// A profile names the architectures whose system calls it filters;
// docker's and podman's name x86_64, x86 (i386) and x32 on every amd64
// host. Each one is a tree of ~350 syscall comparisons in the program,
// and the kernel pays for every instruction when the filter is attached
// (JIT, and seccomp_cache_prepare walking it for each syscall number of
// each architecture): on this project's VM, 1304 instructions took 774 us
// to attach, 447 (x86_64 alone) 476 us. Many kernels run neither foreign
// ABI: x32 is off unless booted with syscall.x32=y (Debian, Ubuntu), and
// i386 emulation can be compiled out or booted off (ia32_emulation=0).
// An architecture the kernel cannot run can never be the arch of a
// syscall that reaches the filter, except x32's: its calls arrive as
// x86_64 with bit 30 set and the kernel answers ENOSYS after the filter.
//
// So such architectures are left out of the program, and the bad-arch
// action becomes ENOSYS: an x32 call then gets exactly the kernel's own
// answer, without the filter's tree for it. Every mistake this can make
// is a refusal, never a syscall let through: a probe that cannot tell
// keeps the architecture; a program built where an ABI was off and used
// where it is on would refuse that ABI's calls with ENOSYS. The compile
// cache is keyed by the boot (cache.go), because boot options switch
// these ABIs.

// foreignABIs says which architectures this kernel cannot run; a var so
// unit tests can pretend either kernel.
var foreignABIs = probeForeignABIs

// unrunnable is the result of one probe: true for an architecture the
// kernel surely cannot run.
type unrunnable map[specs.Arch]bool

func probeForeignABIs() unrunnable {
	if runtime.GOARCH != "amd64" {
		return nil
	}
	off := unrunnable{}
	// x32: getpid with the x32 bit. ENOSYS from a kernel without x32
	// (or from a filter above us that refuses it, which binds every
	// container we start as well).
	if _, _, e := unix.RawSyscall(x32SyscallBit|unix.SYS_GETPID, 0, 0, 0); e == unix.ENOSYS {
		off[specs.ArchX32] = true
	}
	if C.myc_ia32_runs() == 0 {
		off[specs.ArchX86] = true
	}
	return off
}
