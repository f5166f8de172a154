package compile

import (
	"encoding/binary"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// A profile lists the syscalls of its day. A syscall newer than all of
// them falls to the default action, usually EPERM, and a new libc that
// tries it first (clone3, faccessat2, fchmodat2...) takes EPERM as a real
// refusal instead of falling back to the old call, as it does on ENOSYS.
// So, as docker does, a call numbered above every syscall the profile
// names, on the native architecture, gets ENOSYS. x32 calls (bit 30 on
// x86_64) are left to the profile.

// auditArch is the native architecture's AUDIT_ARCH_* value (seccomp_data
// .arch); 0 where the stub is not known to be right.
func auditArch() uint32 {
	switch runtime.GOARCH {
	case "amd64":
		return unix.AUDIT_ARCH_X86_64
	case "arm64":
		return unix.AUDIT_ARCH_AARCH64
	}
	return 0
}

const x32SyscallBit = 0x40000000

// maxNamed is the highest native syscall number the profile names.
func maxNamed(s *specs.LinuxSeccomp) (uint32, bool) {
	native, err := libseccomp.GetNativeArch()
	if err != nil {
		return 0, false
	}
	found, max := false, uint32(0)
	for _, sc := range s.Syscalls {
		for _, name := range sc.Names {
			nr, err := libseccomp.GetSyscallFromNameByArch(name, native)
			if err != nil || nr < 0 {
				continue
			}
			if uint32(nr) > max || !found {
				max, found = uint32(nr), true
			}
		}
	}
	return max, found
}

// enosysStubLen is the number of instructions withENOSYS adds.
const enosysStubLen = 6

// withENOSYS puts the stub in front of prog when the profile's default
// action is an errno (a kill or a trap for unknown calls is kept as is).
func withENOSYS(prog []byte, s *specs.LinuxSeccomp) []byte {
	arch := auditArch()
	if arch == 0 || (s.DefaultAction != specs.ActErrno) {
		return prog
	}
	max, ok := maxNamed(s)
	if !ok {
		return prog
	}
	stub := []unix.SockFilter{
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 4}, // seccomp_data.arch
		{Code: unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, Jt: 0, Jf: 4, K: arch},
		{Code: unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, K: 0}, // seccomp_data.nr
		{Code: unix.BPF_JMP | unix.BPF_JSET | unix.BPF_K, Jt: 2, Jf: 0, K: x32SyscallBit},
		{Code: unix.BPF_JMP | unix.BPF_JGT | unix.BPF_K, Jt: 0, Jf: 1, K: max},
		{Code: unix.BPF_RET | unix.BPF_K, K: unix.SECCOMP_RET_ERRNO | uint32(unix.ENOSYS)},
	}
	out := make([]byte, 0, len(stub)*sizeofSockFilter+len(prog))
	for _, in := range stub {
		var b [8]byte
		binary.NativeEndian.PutUint16(b[0:], in.Code)
		b[2], b[3] = in.Jt, in.Jf
		binary.NativeEndian.PutUint32(b[4:], in.K)
		out = append(out, b[:]...)
	}
	return append(out, prog...)
}
