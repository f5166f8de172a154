package containerinit

import (
	"fmt"

	"mycontainer/rootfs"

	"golang.org/x/sys/unix"
)

// applyRootExtras hardens the root once the mount plan is in place. root
// is an O_PATH fd of the container's "/" (pivoted, /proc mounted). The
// order matters: devices need a writable /dev, sysctls a writable
// /proc/sys (podman lists /proc/sys among readonlyPaths), masks go over
// the read-only binds (as runc does) and the root becomes read-only last.
func applyRootExtras(root int, x *Extras) error {
	if x == nil {
		return nil
	}
	if err := createDevices(root, x.Devices); err != nil {
		return err
	}
	if x.ReadonlyDev {
		if err := rootfs.ReadonlyMount(root, "/dev"); err != nil {
			return fmt.Errorf("make /dev read-only after creating its nodes: %w", err)
		}
	}
	if err := writeSysctls(root, x.Sysctl); err != nil {
		return err
	}
	// Every mount of the hardening is rootfs's job (rootfs/harden.go).
	if err := rootfs.Harden(root, x.ReadonlyPaths, x.MaskedPaths, x.ReadonlyRoot); err != nil {
		return err
	}
	if x.RootPropagation != 0 {
		// linux.rootfsPropagation, on the container's own "/" (after the
		// pivot: this namespace only).
		if err := unix.Mount("", "/", "", uintptr(x.RootPropagation), ""); err != nil {
			return fmt.Errorf("set the propagation of / (linux.rootfsPropagation): %w", err)
		}
	}
	return nil
}
