package nsexec

import (
	"errors"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// The runtime's own binary runs inside every container for a while: as
// init until it execs the command (create, run, run --bundle), as the
// process `exec` starts until it execs, and for good as the --init
// reaper. CVE-2019-5736: a process in the container opened
// /proc/<that pid>/exe, waited until the runtime stopped executing it
// (ETXTBSY clears), reopened it for writing through /proc/self/fd and
// replaced the host's runc. Two guards, each enough on its own for a
// container without CAP_SYS_PTRACE and the first enough for any:
//
//  1. stage-1 is never the file on disk. It is exec'd through a
//     read-only bind mount of the binary that exists nowhere but in an
//     fd of ours (open_tree OPEN_TREE_CLONE, detached from every mount
//     namespace). Every later path to that inode through /proc/PID/exe
//     lands on that mount, and opening it for writing fails with EROFS
//     once it is no longer busy. No mount namespace is made or left.
//     Cost: ~20 us (a sealed memfd copy of a 6 MB binary was ~1.4 ms).
//     Where open_tree is refused (no CAP_SYS_ADMIN, kernels before 5.12
//     for mount_setattr), a sealed memfd copy is used instead.
//  2. The C constructor makes every stage non-dumpable before it reads
//     the bootstrap (PR_SET_DUMPABLE 0, inherited by init and exec): the
//     kernel then lets only CAP_SYS_PTRACE holders open /proc/PID/exe.
//     execve of the user's command makes the process dumpable again.

// executable returns a path that execs a write-protected copy of the
// running binary, and the function that releases it once exec'd.
func executable() (string, func(), error) {
	fd, err := -1, errors.New("MYCONTAINER_SEALED_COPY=1 asks for the sealed copy")
	// The variable exists for the tests of the fallback.
	if os.Getenv("MYCONTAINER_SEALED_COPY") != "1" {
		fd, err = readOnlyBind()
	}
	if err != nil {
		// EPERM (no CAP_SYS_ADMIN over the mount namespace), ENOSYS
		// (old kernel): fall back to the sealed copy.
		var serr error
		if fd, serr = sealedCopy(); serr != nil {
			return "", nil, fmt.Errorf("protect the runtime binary from the container (CVE-2019-5736): read-only bind: %v; sealed copy: %w", err, serr)
		}
	}
	return "/proc/self/fd/" + strconv.Itoa(fd), func() { unix.Close(fd) }, nil
}

// readOnlyBind clones the mount of our own binary, detached, and makes it
// read-only. The fd is close-on-exec: exec resolves the path before it
// closes the fd, and afterwards the clone lives as long as a process
// runs from it.
func readOnlyBind() (int, error) {
	fd, err := unix.OpenTree(unix.AT_FDCWD, "/proc/self/exe", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("open_tree /proc/self/exe: %w", err)
	}
	attr := &unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV}
	if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, attr); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("make the runtime's bind mount read-only: %w", err)
	}
	return fd, nil
}

// sealedCopy copies the runtime binary into a memfd and seals it, so
// nothing can ever write to the file that runs in a container.
func sealedCopy() (int, error) {
	src, err := os.Open("/proc/self/exe")
	if err != nil {
		return -1, fmt.Errorf("open own executable: %w", err)
	}
	defer src.Close()
	st, err := src.Stat()
	if err != nil {
		return -1, fmt.Errorf("stat own executable: %w", err)
	}
	fd, err := unix.MemfdCreate("mycontainer", unix.MFD_CLOEXEC|unix.MFD_ALLOW_SEALING)
	if err != nil {
		return -1, fmt.Errorf("memfd_create: %w", err)
	}
	for off := int64(0); off < st.Size(); {
		n, err := unix.Sendfile(fd, int(src.Fd()), nil, int(st.Size()-off))
		if err == nil && n == 0 {
			err = errors.New("short copy")
		}
		if err != nil {
			unix.Close(fd)
			return -1, fmt.Errorf("copy runtime into memfd: %w", err)
		}
		off += int64(n)
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, sealsWanted); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("seal the runtime copy: %w", err)
	}
	return fd, nil
}

// sealsWanted are the seals of the fallback copy: no write, resize or
// further change of the seals.
const sealsWanted = unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
