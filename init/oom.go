package containerinit

import (
	"fmt"
	"strconv"

	"mycontainer/rootfs"

	"golang.org/x/sys/unix"
)

// setOOMScoreAdj writes this process's oom_score_adj. The value belongs to
// the process (not the thread) and survives execve and fork, so the command
// and its children inherit it. Lowering it below its current minimum needs
// CAP_SYS_RESOURCE, hence it is done before the credentials change.
//
// The file is reached through the container's /proc, which the container
// (or its config) can shape: it used to be opened by the string
// "/proc/self/oom_score_adj", and a bind over /proc/self/oom_score_adj
// (or a volume over /proc) took the runtime's write to whatever file was
// mounted there, a host file or another procfs file such as
// /proc/sysrq-trigger (CVE-2025-52881's shape). So /proc is opened with no
// symlinks, checked to be procfs, and self/oom_score_adj opened beneath
// it with no magic link and no mount crossed.
func setOOMScoreAdj(v int) error {
	if v < -1000 || v > 1000 {
		return fmt.Errorf("oom_score_adj %d: out of range -1000..1000", v)
	}
	fd, err := openProcSelf("oom_score_adj", unix.O_WRONLY)
	if err != nil {
		return fmt.Errorf("oom_score_adj: %w", err)
	}
	defer unix.Close(fd)
	s := strconv.Itoa(v)
	n, err := unix.Write(fd, []byte(s))
	if err == nil && n != len(s) {
		err = unix.EIO
	}
	if err != nil {
		return fmt.Errorf("oom_score_adj %d: %w", v, err)
	}
	return nil
}

// openProcSelf opens /proc/self/name in the procfs mounted at /proc,
// refusing anything that is not that procfs's own file. "self" is read by
// procfs itself, never taken from getpid(): a /proc of another PID
// namespace (a bind of the host's /proc) must not turn our PID into some
// other process's directory there; it has no "self" for us (ENOENT).
func openProcSelf(name string, flags int) (int, error) {
	root, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	defer unix.Close(root)
	proc, err := rootfs.OpenInRoot(root, "/proc", unix.O_PATH|unix.O_DIRECTORY, true)
	if err != nil {
		return -1, fmt.Errorf("open /proc: %w", err)
	}
	defer unix.Close(proc)
	var fs unix.Statfs_t
	if err := unix.Fstatfs(proc, &fs); err != nil {
		return -1, fmt.Errorf("statfs /proc: %w", err)
	}
	if fs.Type != unix.PROC_SUPER_MAGIC {
		return -1, fmt.Errorf("/proc is not procfs (type %#x); refusing to write to it", fs.Type)
	}
	p := "self/" + name
	how := unix.OpenHow{
		Flags:   uint64(flags | unix.O_CLOEXEC | unix.O_NOCTTY),
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV,
	}
	fd, err := unix.Openat2(proc, p, &how)
	if err != nil {
		return -1, fmt.Errorf("/proc/%s: %w", p, err)
	}
	return fd, nil
}
