package containerinit

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func encodeFilter(prog []unix.SockFilter) []byte {
	b := make([]byte, 0, len(prog)*8) // sizeof(struct sock_filter)
	for _, f := range prog {
		b = binary.NativeEndian.AppendUint16(b, f.Code)
		b = append(b, f.Jt, f.Jf)
		b = binary.NativeEndian.AppendUint32(b, f.K)
	}
	return b
}

// denyGetpid is a hand-built classic BPF filter: on this architecture,
// getpid fails with EPERM, every other syscall is allowed.
func denyGetpid() []byte { return denySyscalls(unix.SYS_GETPID) }

// denySyscalls is a hand-built classic BPF filter: on this architecture
// the syscalls nrs fail with EPERM, every other one is allowed.
func denySyscalls(nrs ...uint32) []byte {
	arch := map[string]uint32{"amd64": unix.AUDIT_ARCH_X86_64, "arm64": unix.AUDIT_ARCH_AARCH64}[runtime.GOARCH]
	const ld, jeq, ret = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS, unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K, unix.BPF_RET | unix.BPF_K
	prog := []unix.SockFilter{
		{Code: ld, K: 4}, // seccomp_data.arch
		{Code: jeq, Jt: 1, K: arch},
		{Code: ret, K: unix.SECCOMP_RET_ALLOW},
		{Code: ld, K: 0}, // seccomp_data.nr
	}
	for i, nr := range nrs {
		// A match jumps over the remaining tests and the ALLOW to the ERRNO.
		prog = append(prog, unix.SockFilter{Code: jeq, Jt: uint8(len(nrs) - i), K: nr})
	}
	return encodeFilter(append(prog,
		unix.SockFilter{Code: ret, K: unix.SECCOMP_RET_ALLOW},
		unix.SockFilter{Code: ret, K: unix.SECCOMP_RET_ERRNO | uint32(unix.EPERM)}))
}

// denyCredSwitch denies getpid (the probe that the filter is in) and the
// syscalls of the uid change, which must all come before the filter.
func denyCredSwitch() []byte {
	return denySyscalls(unix.SYS_GETPID, unix.SYS_SETGROUPS, unix.SYS_SETRESGID, unix.SYS_SETRESUID)
}

// reportGetpid prints what getpid gives this thread, then its status.
func reportGetpid() error {
	_, _, e := unix.RawSyscall(unix.SYS_GETPID, 0, 0, 0)
	fmt.Printf("getpid-errno:%d\n", e)
	return printThreadStatus()
}

// Without no_new_privs the filter needs CAP_SYS_ADMIN, which this spec
// drops: it must be kept until the filter is in, then dropped.
var _ = helper("seccomp-root", func() error {
	runtime.LockOSThread()
	c := []int{unix.CAP_CHOWN}
	x := &Extras{Seccomp: denyCredSwitch(), Caps: &Capabilities{Bounding: c, Effective: c, Permitted: c}}
	if err := switchCredentials(0, 0, []uint32{0}, x); err != nil {
		return err
	}
	return reportGetpid()
})

// No capabilities in the spec and a non-root user: the kernel's usual
// "lose them all", but only after the filter is loaded.
var _ = helper("seccomp-user", func() error {
	runtime.LockOSThread()
	if err := switchCredentials(1000, 1000, []uint32{1000}, &Extras{Seccomp: denyCredSwitch()}); err != nil {
		return err
	}
	return reportGetpid()
})

func TestSeccompLoadedLast(t *testing.T) {
	if runtime.GOARCH != "amd64" && runtime.GOARCH != "arm64" {
		t.Skip("test filter knows amd64 and arm64 only")
	}
	for name, want := range map[string]map[string]string{
		"seccomp-root": {"CapEff": hexCaps(unix.CAP_CHOWN), "CapPrm": hexCaps(unix.CAP_CHOWN), "CapBnd": hexCaps(unix.CAP_CHOWN)},
		"seccomp-user": {"CapEff": hexCaps(), "CapPrm": hexCaps(), "Uid": "1000\t1000\t1000\t1000"},
	} {
		st := runChild(t, name, childOpts{})
		if !strings.Contains(st, fmt.Sprintf("getpid-errno:%d\n", unix.EPERM)) {
			t.Errorf("%s: getpid was not refused with EPERM:\n%s", name, st)
		}
		want["Seccomp"], want["NoNewPrivs"] = "2", "0"
		for k, v := range want {
			if got := statusField(st, k); got != v {
				t.Errorf("%s: %s = %q, want %q", name, k, got, v)
			}
		}
	}
}

// A notify filter without its agent's connection is refused before
// anything is loaded: its listener fd would reach nobody.
func TestLoadRefusesNewListenerWithoutAgent(t *testing.T) {
	if err := loadSeccomp(denyGetpid(), unix.SECCOMP_FILTER_FLAG_NEW_LISTENER); err == nil || !strings.Contains(err.Error(), "no connection to its agent") {
		t.Errorf("NEW_LISTENER without an agent: %v", err)
	}
}
