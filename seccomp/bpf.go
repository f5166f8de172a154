package seccomp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"unsafe"

	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// export writes the filter's BPF into a memfd and reads it back.
// libseccomp 2.5 (Debian 12) has only the fd export; seccomp_export_bpf_mem
// came in 2.6. A memfd rather than a pipe, because a pipe would block once
// the program outgrows the pipe buffer while nobody reads yet.
func export(f *libseccomp.ScmpFilter) ([]byte, error) {
	fd, err := unix.MemfdCreate("mycontainer-seccomp", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("memfd_create: %w", err)
	}
	file := os.NewFile(uintptr(fd), "mycontainer-seccomp")
	defer file.Close()
	if err := f.ExportBPF(file); err != nil {
		return nil, err
	}
	if _, err := file.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	prog, err := io.ReadAll(file)
	if err != nil {
		return nil, err
	}
	if len(prog) == 0 || len(prog)%sizeofSockFilter != 0 {
		return nil, fmt.Errorf("libseccomp exported %d bytes, not a whole number of instructions", len(prog))
	}
	return prog, nil
}

const sizeofSockFilter = int(unsafe.Sizeof(unix.SockFilter{}))

// Load installs prog (from Compile) as a seccomp filter on the calling thread.
// It makes no libseccomp call and touches no file, so it can run last, right
// before execve. The caller must have locked the goroutine to its thread
// (the filter stays with the thread that execs), and have set no_new_privs
// or hold CAP_SYS_ADMIN, as seccomp(2) requires.
func Load(prog []byte, flags uint) error {
	n := len(prog) / sizeofSockFilter
	if n == 0 || len(prog)%sizeofSockFilter != 0 || n > 0xffff {
		return errors.New("seccomp: program is not a whole number of BPF instructions")
	}
	// Decode rather than cast the bytes: no alignment assumption on prog.
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
	fprog := unix.SockFprog{Len: uint16(n), Filter: &insns[0]}
	_, _, errno := unix.RawSyscall(unix.SYS_SECCOMP, unix.SECCOMP_SET_MODE_FILTER, uintptr(flags), uintptr(unsafe.Pointer(&fprog)))
	if errno != 0 {
		return fmt.Errorf("seccomp(SECCOMP_SET_MODE_FILTER, %#x): %w", flags, errno)
	}
	return nil
}
