package containerinit

import (
	"fmt"
	"path"
	"strings"

	"mycontainer/rootfs"

	"golang.org/x/sys/unix"
)

// deviceNode checks one linux.devices entry and returns where it goes
// (parent directory and name, relative to the root) and its mknod mode
// and device number. Nodes may only be made under /dev: a device node is
// raw access to hardware, and one placed elsewhere (say over /etc/passwd
// or in a bind-mounted host directory) is an escape waiting to happen.
func deviceNode(d Device) (dir, name string, mode uint32, dev uint64, err error) {
	p := path.Clean("/" + d.Path)
	if !strings.HasPrefix(p, "/dev/") || !path.IsAbs(d.Path) {
		return "", "", 0, 0, fmt.Errorf("device %s: must be an absolute path under /dev", d.Path)
	}
	switch d.Type {
	case "c", "u":
		mode = unix.S_IFCHR
	case "b":
		mode = unix.S_IFBLK
	case "p":
		mode = unix.S_IFIFO
	default:
		return "", "", 0, 0, fmt.Errorf("device %s: unknown type %q (want c, u, b or p)", d.Path, d.Type)
	}
	if d.Major < 0 || d.Minor < 0 || d.Major > 0xfff || d.Minor > 0xfffff {
		return "", "", 0, 0, fmt.Errorf("device %s: device number %d:%d out of range", d.Path, d.Major, d.Minor)
	}
	if mode != unix.S_IFIFO {
		dev = unix.Mkdev(uint32(d.Major), uint32(d.Minor))
	}
	dir, name = path.Split(p)
	return dir, name, mode | d.Mode&0o7777, dev, nil
}

// createDevices makes each node inside the root. The parent directory is
// created or resolved with no symlink anywhere on the way (a /dev that is
// a symlink to /etc is refused), and the node is made, chowned and chmoded
// relative to that directory's fd.
func createDevices(root int, devs []Device) error {
	for _, d := range devs {
		if err := createDevice(root, d); err != nil {
			return err
		}
	}
	return nil
}

func createDevice(root int, d Device) error {
	dir, name, mode, dev, err := deviceNode(d)
	if err != nil {
		return err
	}
	pfd, err := rootfs.MkdirAllInRoot(root, dir, 0o755, true)
	if err != nil {
		return fmt.Errorf("device %s: %w", d.Path, err)
	}
	// The *at calls below want a real directory fd, not O_PATH (as
	// rootfs's populateDev does).
	dfd, err := unix.Openat(pfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	unix.Close(pfd)
	if err != nil {
		return fmt.Errorf("device %s: open %s: %w", d.Path, dir, err)
	}
	defer unix.Close(dfd)
	if err := unix.Mknodat(dfd, name, mode, int(dev)); err == unix.EEXIST {
		// Already there (the default /dev has null, zero, ...): fine if
		// it is the same device, whose owner and mode are then set.
		var st unix.Stat_t
		if err := unix.Fstatat(dfd, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("device %s: %w", d.Path, err)
		}
		if isDefaultPtmx(d.Path, st, mode, dev) {
			return nil
		}
		if st.Mode&unix.S_IFMT != mode&unix.S_IFMT || st.Rdev != dev {
			return fmt.Errorf("device %s: a different file is already there", d.Path)
		}
	} else if err != nil {
		return fmt.Errorf("device %s: mknod: %w", d.Path, err)
	}
	if err := unix.Fchownat(dfd, name, int(d.UID), int(d.GID), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("device %s: chown: %w", d.Path, err)
	}
	// mknod honoured the umask; the spec's mode is exact. The name is the
	// node just made or checked, not a symlink.
	if err := unix.Fchmodat(dfd, name, mode&0o7777, 0); err != nil {
		return fmt.Errorf("device %s: chmod: %w", d.Path, err)
	}
	return nil
}

// isDefaultPtmx: a config that lists /dev/ptmx (c 5:2), as runc's and
// crun's default configs do, names the device the default /dev already
// gives through its pts/ptmx link (the container's own devpts instance,
// whose ptmx is 5:2 too). The link stays: it is the one that works with
// the container's devpts.
func isDefaultPtmx(path string, st unix.Stat_t, mode uint32, dev uint64) bool {
	return path == "/dev/ptmx" && st.Mode&unix.S_IFMT == unix.S_IFLNK &&
		mode&unix.S_IFMT == unix.S_IFCHR && dev == unix.Mkdev(5, 2)
}
