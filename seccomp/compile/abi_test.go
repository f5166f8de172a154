package compile

import (
	"encoding/binary"
	"runtime"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// pretend makes Compile see a kernel that cannot run the given ABIs.
func pretend(t *testing.T, off ...specs.Arch) {
	t.Helper()
	saved := foreignABIs
	t.Cleanup(func() { foreignABIs = saved })
	foreignABIs = func() unrunnable {
		u := unrunnable{}
		for _, a := range off {
			u[a] = true
		}
		return u
	}
}

func x86Profile() *specs.LinuxSeccomp {
	return &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Architectures: []specs.Arch{specs.ArchX86_64, specs.ArchX86, specs.ArchX32},
		Syscalls:      []specs.LinuxSyscall{{Names: append([]string{"getppid", "uname"}, goRuntime...), Action: specs.ActAllow}},
	}
}

// mentionsArch reports whether the program compares seccomp_data.arch
// with a: libseccomp loads the arch and tests it with a JEQ per arch.
func mentionsArch(t *testing.T, prog []byte, a uint32) bool {
	t.Helper()
	for i := 0; i+sizeofSockFilter <= len(prog); i += sizeofSockFilter {
		code := binary.NativeEndian.Uint16(prog[i:])
		k := binary.NativeEndian.Uint32(prog[i+4:])
		if code == unix.BPF_JMP|unix.BPF_JEQ|unix.BPF_K && k == a {
			return true
		}
	}
	return false
}

// An ABI the kernel cannot run is left out of the program, and only then:
// the program is shorter, and an x32 call gets ENOSYS, the kernel's own
// answer, instead of the profile's default (EPERM) or a kill.
func TestForeignABIsLeftOut(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("x86 ABIs only")
	}
	const auditI386 = 0x40000003 // AUDIT_ARCH_I386

	pretend(t) // a kernel that runs all three
	kept, _, err := Compile(x86Profile())
	if err != nil {
		t.Fatal(err)
	}
	if !mentionsArch(t, kept, auditI386) {
		t.Fatal("i386 missing from a program for a kernel that runs it")
	}
	// x32 kept: an x32 mkdirat is the profile's to refuse (EPERM).
	expect(t, x86Profile(), map[string]syscall.Errno{
		"x32mkdirat:0xffffffffffffff9c,$path,0o755": unix.EPERM,
		"getppid": 0,
	})

	pretend(t, specs.ArchX86, specs.ArchX32)
	left, _, err := Compile(x86Profile())
	if err != nil {
		t.Fatal(err)
	}
	if mentionsArch(t, left, auditI386) {
		t.Error("i386 still in the program for a kernel that cannot run it")
	}
	if len(left) >= len(kept) {
		t.Errorf("leaving two ABIs out did not shorten the program: %d vs %d instructions", len(left)/8, len(kept)/8)
	}
	t.Logf("%d instructions with all three ABIs, %d with x86_64 alone", len(kept)/8, len(left)/8)
	// x32 left out: every x32 call gets ENOSYS (not a kill: the child
	// must live to report it), native calls are the profile's as before.
	expect(t, x86Profile(), map[string]syscall.Errno{
		"x32mkdirat:0xffffffffffffff9c,$path,0o755": unix.ENOSYS,
		"x32getppid":                             unix.ENOSYS,
		"getppid":                                0,
		"mkdirat:0xffffffffffffff9c,$path,0o755": unix.EPERM,
	})
}

// The probe of this kernel: whatever it finds, it never claims the native
// ABI, and its x32 answer agrees with a call made here.
func TestProbeForeignABIs(t *testing.T) {
	off := probeForeignABIs()
	if off[specs.ArchX86_64] {
		t.Fatal("the native ABI reported as unrunnable")
	}
	if runtime.GOARCH != "amd64" {
		return
	}
	_, _, e := unix.RawSyscall(x32SyscallBit|unix.SYS_GETPID, 0, 0, 0)
	if off[specs.ArchX32] != (e == unix.ENOSYS) {
		t.Errorf("x32 left out %v, but an x32 getpid here gives %v", off[specs.ArchX32], e)
	}
	t.Logf("this kernel cannot run: %v", off)
}
