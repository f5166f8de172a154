package compile

import (
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

// sizeofSockFilter is one classic BPF instruction: struct sock_filter.
const sizeofSockFilter = int(unsafe.Sizeof(unix.SockFilter{}))
