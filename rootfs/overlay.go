package rootfs

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// OpenLowerRoot gives an fd on the merged, read-only view of overlayfs
// layers (top first), for the runtime to find the command and the user
// in an image before the container exists. It is a detached mount: it is
// in no mount table, and it goes away when the fd is closed (or the
// process dies). One layer needs no overlay: it is opened as it is.
func OpenLowerRoot(lower []string) (int, error) {
	if len(lower) == 1 {
		return OpenRoot(lower[0])
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
