package rootfs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// The minimal /dev every program expects. Only harmless character devices
// are created: no disks, no /dev/mem, nothing that reaches host hardware.
var devNodes = []struct {
	name         string
	major, minor uint32
}{
	{"null", 1, 3},
	{"zero", 1, 5},
	{"full", 1, 7},
	{"random", 1, 8},
	{"urandom", 1, 9},
	{"tty", 5, 0},
}

var devLinks = []struct{ name, target string }{
	{"ptmx", "pts/ptmx"}, // the container's own devpts instance
	{"fd", "/proc/self/fd"},
	{"stdin", "/proc/self/fd/0"},
	{"stdout", "/proc/self/fd/1"},
	{"stderr", "/proc/self/fd/2"},
}

// populateDev fills the freshly mounted /dev tmpfs, given its fd.
func populateDev(dev int) error {
	// O_PATH fds cannot be used as a mknodat base on every kernel; open the
	// directory properly first.
	dir, err := unix.Openat(dev, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /dev: %w", err)
	}
	defer unix.Close(dir)
	for _, n := range devNodes {
		mode := uint32(unix.S_IFCHR | 0o666)
		if err := unix.Mknodat(dir, n.name, mode, int(unix.Mkdev(n.major, n.minor))); err != nil {
			return fmt.Errorf("mknod /dev/%s: %w", n.name, err)
		}
		// mknod honours the umask; devices must be usable by every uid.
		if err := unix.Fchmodat(dir, n.name, 0o666, 0); err != nil {
			return fmt.Errorf("chmod /dev/%s: %w", n.name, err)
		}
	}
	for _, l := range devLinks {
		if err := unix.Symlinkat(l.target, dir, l.name); err != nil {
			return fmt.Errorf("symlink /dev/%s: %w", l.name, err)
		}
	}
	return nil
}
