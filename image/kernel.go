package image

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// LowerdirPlus reports whether the container's overlayfs root is made
// with fsconfig's "lowerdir+" key, one layer at a time, which overlayfs
// has since Linux 6.8. Before it (Debian 12's 6.1, Ubuntu 22.04's 5.15)
// the layers go in one "lowerdir=" string, which the runtime and init
// make differently (rootfs/overlay.go, nsexec/root.c): the plan carries
// the choice (Bootstrap.OverlayString).
//
// The kernel's version decides, not a probe: on 6.1 fsconfig takes any
// key of overlayfs (its mount options are still parsed the old way, as a
// whole, when the mount is created), so "lowerdir+" fails only at
// FSCONFIG_CMD_CREATE, with an EINVAL that a bad layer gives too. A
// kernel whose version is too old but has lowerdir+ (a backport) gets
// the string, which works on every kernel.
//
// MYCONTAINER_OVERLAY_STRING=1 forces the string, for the tests of that
// path on a newer kernel.
func LowerdirPlus() bool {
	if os.Getenv("MYCONTAINER_OVERLAY_STRING") == "1" {
		return false
	}
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return false // the string works everywhere
	}
	return atLeast(unix.ByteSliceToString(u.Release[:]), 6, 8)
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
