package containerinit

import (
	"errors"
	"fmt"

	"mycontainer/rootfs"

	"golang.org/x/sys/unix"
)

// bindConsole makes the container's /dev/console its terminal, as runc
// does for a process with a terminal: the pty slave bound over it.
//
// CVE-2025-52565: runc bound the pty onto /dev/console by its path; a
// /dev/console that the bundle or image had made a symlink took the bind
// elsewhere (over a file the masks protect, for one). Here /dev is opened
// inside the root with no symlink, console beneath it with none either,
// and what was opened must be a regular file or a character device; the
// bind is made onto that fd (move_mount), so nothing is resolved twice.
// A volume bound at /dev/console is a file like any other: the pty goes
// over it. A missing /dev/console is created; on a read-only /dev there is then
// none, as there is no place for one.
func bindConsole(slave int) error {
	root, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /: %w", err)
	}
	defer unix.Close(root)
	dev, err := rootfs.OpenInRoot(root, "dev", unix.O_PATH|unix.O_DIRECTORY, true)
	if err != nil {
		return fmt.Errorf("open /dev: %w", err)
	}
	defer unix.Close(dev)
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS}
	con, err := unix.Openat2(dev, "console", &how)
	if errors.Is(err, unix.ENOENT) {
		fd, cerr := unix.Openat(dev, "console", unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
		if errors.Is(cerr, unix.EROFS) {
			return nil
		}
		if cerr != nil {
			return fmt.Errorf("create /dev/console: %w", cerr)
		}
		unix.Close(fd)
		con, err = unix.Openat2(dev, "console", &how)
	}
	if errors.Is(err, unix.ELOOP) {
		return errors.New("/dev/console is a symlink: refusing to bind the terminal through it (CVE-2025-52565)")
	}
	if err != nil {
		return fmt.Errorf("open /dev/console: %w", err)
	}
	defer unix.Close(con)
	var st unix.Stat_t
	if err := unix.Fstat(con, &st); err != nil {
		return fmt.Errorf("stat /dev/console: %w", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFLNK {
		// O_PATH|O_NOFOLLOW opens the link itself.
		return errors.New("/dev/console is a symlink: refusing to bind the terminal through it (CVE-2025-52565)")
	}
	if t := st.Mode & unix.S_IFMT; t != unix.S_IFREG && t != unix.S_IFCHR {
		return fmt.Errorf("/dev/console is not a file or a character device (mode %#o): refusing to bind the terminal over it", st.Mode)
	}
	tree, err := unix.OpenTree(slave, "", unix.AT_EMPTY_PATH|unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return fmt.Errorf("clone the pty's mount: %w", err)
	}
	defer unix.Close(tree)
	if err := unix.MoveMount(tree, "", con, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("bind the pty onto /dev/console: %w", err)
	}
	return nil
}
