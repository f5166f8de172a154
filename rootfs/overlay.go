package rootfs

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// OpenLowerRoot gives an fd on the merged, read-only view of overlayfs
// layers (top first), for the runtime to find the command and the user
// in an image before the container exists. It is a detached mount: it is
// in no mount table, and it goes away when the fd is closed (or the
// process dies). One layer needs no overlay: it is opened as it is.
// lowerdirPlus is image.LowerdirPlus: false on a kernel before 6.8,
// where the layers go in one string (openLowerString).
func OpenLowerRoot(lower []string, lowerdirPlus bool) (int, error) {
	if len(lower) == 1 {
		return OpenRoot(lower[0])
	}
	if !lowerdirPlus {
		return openLowerString(lower)
	}
	fs, err := unix.Fsopen("overlay", unix.FSOPEN_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("fsopen overlay: %w", err)
	}
	defer unix.Close(fs)
	for _, l := range lower {
		if err := unix.FsconfigSetString(fs, "lowerdir+", l); err != nil {
			return -1, fmt.Errorf("overlay layer %s: %w", l, err)
		}
	}
	if err := unix.FsconfigCreate(fs); err != nil {
		return -1, fmt.Errorf("create overlay of %d layers: %w", len(lower), err)
	}
	mnt, err := unix.Fsmount(fs, unix.FSMOUNT_CLOEXEC, unix.MOUNT_ATTR_RDONLY|unix.MOUNT_ATTR_NODEV|unix.MOUNT_ATTR_NOSUID)
	if err != nil {
		return -1, fmt.Errorf("fsmount overlay: %w", err)
	}
	return mnt, nil
}

// openLowerString is OpenLowerRoot before Linux 6.8, where overlayfs
// takes the layers only as one "lowerdir=a:b:c" string: at most 255
// bytes through fsconfig, a page through mount(2). As init does
// (nsexec/root.c), the layers are opened and named by their fd numbers,
// relative to the working directory /proc/self/fd, so 500 layers fit and
// no path's ':', ',' or '\' is ever parsed by overlayfs. mount(2) needs
// a place and a working directory of its own: a thread that unshares
// its working directory and mount namespace (made rslave, so nothing
// reaches the host's) mounts the overlay on the bottom layer's path
// there, takes a detached copy with open_tree, and ends with its
// namespace, which the goroutine's locked, never unlocked thread does.
func openLowerString(lower []string) (int, error) {
	type result struct {
		fd  int
		err error
	}
	done := make(chan result)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread dies with its namespace
		fd, err := mountLowerString(lower)
		done <- result{fd, err}
	}()
	r := <-done
	return r.fd, r.err
}

// mountLowerString runs on a thread of its own (openLowerString). The
// layers are opened after the unshare: overlayfs takes a private clone
// of each layer's mount, which it refuses for a mount of another
// namespace ("failed to clone lowerpath", EINVAL).
func mountLowerString(lower []string) (int, error) {
	if err := unix.Unshare(unix.CLONE_FS | unix.CLONE_NEWNS); err != nil {
		return -1, fmt.Errorf("unshare the mount namespace for the image's overlay: %w", err)
	}
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_SLAVE, ""); err != nil {
		return -1, fmt.Errorf("make / rslave: %w", err)
	}
	names := make([]string, 0, len(lower))
	for _, l := range lower {
		fd, err := unix.Open(l, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return -1, fmt.Errorf("overlay layer %s: %w", l, err)
		}
		defer unix.Close(fd)
		names = append(names, strconv.Itoa(fd))
	}
	data := "lowerdir=" + strings.Join(names, ":")
	if len(data) >= 4096 { // mount(2) copies a page and cuts it there
		return -1, fmt.Errorf("overlay of %d layers: the lowerdir= string is %d bytes, over a page", len(lower), len(data))
	}
	if err := unix.Chdir("/proc/self/fd"); err != nil {
		return -1, fmt.Errorf("chdir /proc/self/fd: %w", err)
	}
	at := lower[len(lower)-1]
	if err := unix.Mount("overlay", at, "overlay", unix.MS_RDONLY|unix.MS_NODEV|unix.MS_NOSUID, data); err != nil {
		return -1, fmt.Errorf("mount the image's overlay of %d layers (lowerdir= string): %w", len(lower), err)
	}
	fd, err := unix.OpenTree(unix.AT_FDCWD, at, unix.OPEN_TREE_CLONE|unix.OPEN_TREE_CLOEXEC)
	if err != nil {
		return -1, fmt.Errorf("open_tree the image's overlay: %w", err)
	}
	return fd, nil
}
