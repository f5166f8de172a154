package rootfs

import (
	"errors"
	"fmt"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// Harden is the last step of the mount plan, once every mount is in
// place: read-only paths, masked paths, then the read-only root. root is
// an O_PATH fd of the container's "/" (pivoted, /proc mounted). The order
// matters: masks go over the read-only binds (as runc does) and the root
// becomes read-only last. Each path is resolved once, inside the root.
func Harden(root int, readonly, masked []string, readonlyRoot bool) error {
	for _, p := range readonly {
		if err := readonlyPath(root, p); err != nil {
			return fmt.Errorf("readonly path %s: %w", p, err)
		}
	}
	null := -1
	defer func() {
		if null >= 0 {
			unix.Close(null)
		}
	}()
	for _, p := range masked {
		if err := maskPath(root, p, &null); err != nil {
			return fmt.Errorf("masked path %s: %w", p, err)
		}
	}
	if readonlyRoot {
		// Not recursive: /proc, /dev, /tmp and the binds keep their own
		// flags. The fd names the root of the root mount.
		attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
		if err := unix.MountSetattr(root, "", unix.AT_EMPTY_PATH, &attr); err != nil {
			return fmt.Errorf("make the root read-only: %w", err)
		}
	}
	return nil
}

// openIfExists resolves p inside the root as an O_PATH fd; a missing path
// gives -1 and no error: the spec lets masked and read-only paths be
// absent.
func openIfExists(root int, p string) (int, error) {
	fd, err := OpenInRoot(root, p, unix.O_PATH, false)
	if errors.Is(err, unix.ENOENT) {
		return -1, nil
	}
	if err != nil {
		return -1, err
	}
	return fd, nil
}

// readonlyPath binds p onto itself read-only, submounts included. The path
// is resolved once, inside the root; the clone is made from that fd, made
// read-only while still detached (nobody sees a writable window) and
// attached on the same fd. A missing path is skipped, as the spec allows.
func readonlyPath(root int, p string) error {
	fd, err := openIfExists(root, p)
	if fd < 0 {
		return err // nil for a missing path
	}
	defer unix.Close(fd)
	tree, err := unix.OpenTree(fd, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_RECURSIVE|unix.AT_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("open_tree: %w", err)
	}
	defer unix.Close(tree)
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	if err := unix.MountSetattr(tree, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
		return fmt.Errorf("mount_setattr: %w", err)
	}
	return moveOnto(tree, fd)
}

// maskPath hides p: a directory gets an empty read-only tmpfs, anything
// else /dev/null bound over it. Missing paths are skipped. *null caches a
// verified fd of the container's /dev/null across calls.
func maskPath(root int, p string, null *int) error {
	fd, err := openIfExists(root, p)
	if fd < 0 {
		return err // nil for a missing path
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return maskDir(fd)
	}
	if *null < 0 {
		if *null, err = openDevNull(root); err != nil {
			return err
		}
	}
	tree, err := unix.OpenTree(*null, "", unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC|unix.AT_EMPTY_PATH)
	if err != nil {
		return fmt.Errorf("open_tree /dev/null: %w", err)
	}
	defer unix.Close(tree)
	return moveOnto(tree, fd)
}

// openDevNull opens the container's /dev/null without following any
// symlink and checks it really is the null device (char 1:3). runc's
// CVE-2025-31133: a container that swapped /dev/null for a symlink had
// runc bind a host file of its choice, writable, over a masked path.
func openDevNull(root int) (int, error) {
	fd, err := OpenInRoot(root, "/dev/null", unix.O_PATH, true)
	if err != nil {
		return -1, fmt.Errorf("open /dev/null: %w", err)
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, fmt.Errorf("stat /dev/null: %w", err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3) {
		unix.Close(fd)
		return -1, fmt.Errorf("/dev/null is not the null device (mode %#o, device %d:%d); refusing to bind it",
			st.Mode, unix.Major(st.Rdev), unix.Minor(st.Rdev))
	}
	return fd, nil
}

// maskDir attaches a new, empty, read-only tmpfs on the directory fd.
func maskDir(target int) error {
	return mountFS(target, nsexec.Mount{FSType: "tmpfs",
		Attr: unix.MOUNT_ATTR_RDONLY | unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV | unix.MOUNT_ATTR_NOEXEC})
}

// moveOnto attaches the detached mount tree on target, both given by fd.
func moveOnto(tree, target int) error {
	if err := unix.MoveMount(tree, "", target, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
		return fmt.Errorf("move_mount: %w", err)
	}
	return nil
}

// ReadonlyMount makes the mount at p (inside root) read-only, that mount
// only: the submounts keep their own flags.
func ReadonlyMount(root int, p string) error {
	fd, err := OpenInRoot(root, p, unix.O_PATH|unix.O_DIRECTORY, true)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	attr := unix.MountAttr{Attr_set: unix.MOUNT_ATTR_RDONLY}
	return unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, &attr)
}
