package seccomp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"unsafe"

	"golang.org/x/sys/unix"
)

const sizeofSockFilter = int(unsafe.Sizeof(unix.SockFilter{}))

// Load installs prog (from Compile) as a seccomp filter on the calling
// thread, with seccomp(2) (not prctl, which takes no flags). It makes no
// libseccomp call and touches no file, so it can run last, right before
// execve: from then on every syscall of this thread, and of the command,
// goes through the filter, which need not allow the runtime's set-up.
// Without TSYNC only this thread is filtered, the one that execs. The
// caller must have locked the goroutine to its thread and set
// no_new_privs or hold CAP_SYS_ADMIN, as the kernel demands so that an
// unprivileged process cannot use a filter to confuse a setuid program.
func Load(prog []byte, flags uint) error {
	if flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER != 0 {
		// The call would return a notification fd that nobody receives
		// and that would leak into the command: LoadListener is for that.
		return errors.New("seccomp flag NEW_LISTENER: use LoadListener, which returns the listener fd")
	}
	_, err := load(prog, flags)
	return err
}

// LoadListener is Load for a filter with SCMP_ACT_NOTIFY rules: it
// returns the listener fd (close-on-exec, as the kernel makes it), which
// the caller must hand to the agent and close before execve.
func LoadListener(prog []byte, flags uint) (int, error) {
	if flags&unix.SECCOMP_FILTER_FLAG_NEW_LISTENER == 0 {
		return -1, errors.New("LoadListener needs the NEW_LISTENER flag")
	}
	return load(prog, flags)
}

func load(prog []byte, flags uint) (int, error) {
	insns, err := decode(prog)
	if err != nil {
		return -1, err
	}
	fprog := unix.SockFprog{Len: uint16(len(insns)), Filter: &insns[0]}
	r1, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&fprog)))
	runtime.KeepAlive(insns)
	if errno != 0 {
		hint := ""
		if errno == unix.EACCES {
			hint = " (without noNewPrivileges, loading a filter needs CAP_SYS_ADMIN)"
		}
		return -1, fmt.Errorf("load seccomp filter (%d instructions, flags %#x): %w%s", len(insns), flags, errno, hint)
	}
	return int(r1), nil
}

// decode turns the byte image of a struct sock_filter array (native byte
// order, as Compile wrote it) into instructions, checking the size the
// kernel accepts (1..BPF_MAXINSNS). Decoding rather than casting makes no
// alignment assumption about prog.
func decode(prog []byte) ([]unix.SockFilter, error) {
	if len(prog)%sizeofSockFilter != 0 {
		return nil, fmt.Errorf("seccomp program: %d bytes is not a whole number of %d-byte instructions", len(prog), sizeofSockFilter)
	}
	n := len(prog) / sizeofSockFilter
	if n == 0 || n > unix.BPF_MAXINSNS {
		return nil, fmt.Errorf("seccomp program: %d instructions, the kernel takes 1 to %d", n, unix.BPF_MAXINSNS)
	}
	insns := make([]unix.SockFilter, n)
	for i := range insns {
		b := prog[i*sizeofSockFilter:]
		insns[i] = unix.SockFilter{
			Code: binary.NativeEndian.Uint16(b[0:]),
			Jt:   b[2],
			Jf:   b[3],
			K:    binary.NativeEndian.Uint32(b[4:]),
		}
	}
	return insns, nil
}
