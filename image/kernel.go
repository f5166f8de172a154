package image

import (
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// CheckOverlayKernel refuses a kernel older than 6.8: the container's
// overlayfs root is made with fsconfig's "lowerdir+" key, one layer at a
// time (no limit on the list's length), which overlayfs has since 6.8.
// Before it, fsconfig takes the layers only as one "lowerdir=" string of
// at most 255 bytes, and an older kernel reports the unknown key only as
// EINVAL when the mount is created.
func CheckOverlayKernel() error {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return fmt.Errorf("uname: %w", err)
	}
	rel := unix.ByteSliceToString(u.Release[:])
	if !atLeast(rel, 6, 8) {
		return fmt.Errorf("run --image and --overlay need Linux 6.8 or later (overlayfs's lowerdir+), this kernel is %s: use `mycontainer bundle REF DIR` and run --bundle DIR instead", rel)
	}
	return nil
}

// atLeast reports whether a kernel release ("6.1.0-57-cloud-amd64")
// is major.minor or later; one it cannot read counts as later.
func atLeast(release string, major, minor int) bool {
	f := strings.FieldsFunc(release, func(r rune) bool { return r < '0' || r > '9' })
	if len(f) < 2 {
		return true
	}
	ma, err1 := strconv.Atoi(f[0])
	mi, err2 := strconv.Atoi(f[1])
	if err1 != nil || err2 != nil {
		return true
	}
	return ma > major || ma == major && mi >= minor
}
