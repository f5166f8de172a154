package containerinit

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

// sockFilterSize is sizeof(struct sock_filter): u16 code, u8 jt, u8 jf, u32 k.
const sockFilterSize = 8

// decodeFilter turns the parent's byte image of a struct sock_filter array
// (native byte order, as the compiler wrote it on this machine) into the
// instructions, checking the size the kernel accepts (1..BPF_MAXINSNS).
func decodeFilter(image []byte) ([]unix.SockFilter, error) {
	if len(image)%sockFilterSize != 0 {
		return nil, fmt.Errorf("seccomp program: %d bytes is not a whole number of %d-byte instructions", len(image), sockFilterSize)
	}
	n := len(image) / sockFilterSize
	if n == 0 || n > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("seccomp program: %d instructions, the kernel takes 1 to %d", n, unix.BPF_MAXINSNS)
	}
	prog := make([]unix.SockFilter, n)
	for i := range prog {
		b := image[i*sockFilterSize:]
		prog[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b[0:]),
			Jt:   b[2],
			Jf:   b[3],
			K:    binary.NativeEndian.Uint32(b[4:]),
		}
	}
	return prog, nil
}

// loadSeccomp installs the filter on the calling thread with seccomp(2)
// (not prctl, which takes no flags). It must be the last set-up step: from
// here on every syscall of this thread, and of the command after execve,
// goes through the filter, which need not allow what the runtime used to
// set up. Without TSYNC in flags only this thread is filtered, which is
// the one that execs. The kernel demands no_new_privs or CAP_SYS_ADMIN in
// the effective set, so an unprivileged process cannot use a filter to
// confuse a setuid program it runs.
func loadSeccomp(image []byte, flags uint) error {
	if flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
		// The call would return a notification fd that nobody receives
		// and that would leak into the command.
		return fmt.Errorf("seccomp flag NEW_LISTENER is not supported")
	}
	prog, err := decodeFilter(image)
	if err != nil {
		return err
	}
	fprog := unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
	_, _, e := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(prog)
	if e != 0 {
		hint := ""
		if e == unix.EACCES {
			hint = " (without noNewPrivileges, loading a filter needs CAP_SYS_ADMIN)"
		}
		return fmt.Errorf("load seccomp filter (%d instructions, flags %#x): %w%s", len(prog), flags, e, hint)
	}
	return nil
}
