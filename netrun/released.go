package netrun

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"
)

// A run's teardown does not delete its veth: the kernel deletes the pair
// when the container's network namespace dies, in its own worker, after
// the run has returned. Deleting it from the run cost every --net bridge
// start ~1.6 ms of CPU and 10-17 ms of wall time (unregistering a device
// waits for RCU grace periods under the RTNL lock).
//
// But a namespace can outlive the container: a bind mount of its ns file,
// an fd of it, a process that entered it. Then eth0 stays on the bridge
// with the address, and the next run that leases it would put a second
// interface with the same address on the bridge (and fail to make its veth
// under the same name). So teardown moves the lease to released/<ip>, and
// the allocator, before it hands an address out again, makes sure the
// address's veth is gone: it deletes one that is still there, which cuts
// the stale holder off exactly as the run's own deletion did. A veth
// released less than releaseGrace ago is most likely still on its way
// out (the namespace's clean-up takes 15-50 ms here): the allocator takes
// another address rather than pay for the deletion, unless none is left.

// releaseGrace is how long after its release a veth that is still there
// is taken for a namespace on its way out rather than one kept alive.
var releaseGrace = 2 * time.Second

func releasedDir() string               { return filepath.Join(Dir, "released") }
func releasedPath(ip netip.Addr) string { return filepath.Join(releasedDir(), ip.String()) }

// release moves the lease of ip to released/: the address is free, and
// its veth may still be there.
func release(ip netip.Addr) error {
	err := os.Rename(leasePath(ip), releasedPath(ip))
	if errors.Is(err, os.ErrNotExist) {
		if _, serr := os.Stat(leasePath(ip)); serr != nil {
			return nil // no lease (never stored, or removed by hand)
		}
		if err = os.MkdirAll(releasedDir(), 0o700); err == nil {
			err = os.Rename(leasePath(ip), releasedPath(ip))
		}
	}
	if err != nil {
		return fmt.Errorf("release lease %s: %w", ip, err)
	}
	return nil
}

// vethGone makes sure the veth of ip is gone before ip is leased again.
// It reports false, deleting nothing, for a veth released less than
// releaseGrace ago when wait is false (the caller looks for another
// address first).
func vethGone(ip netip.Addr, wait bool) (bool, error) {
	name := VethName(ip)
	there, err := linkExists(name)
	if err != nil || !there {
		return err == nil, err
	}
	if !wait {
		var st unix.Stat_t
		// The rename into released/ set the marker's ctime.
		if unix.Stat(releasedPath(ip), &st) == nil && time.Since(time.Unix(st.Ctim.Unix())) < releaseGrace {
			return false, nil
		}
	}
	// Kept alive by someone else (or no marker: the lease was lost): cut
	// the stale holder off.
	if err := RemoveVeth(name); err != nil {
		return false, fmt.Errorf("%s is released, but its veth is still there: %w", ip, err)
	}
	return true, nil
}

// linkExists reports whether the host has a link named name: one ioctl.
func linkExists(name string) (bool, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return false, fmt.Errorf("look up link %s: socket: %w", name, err)
	}
	defer unix.Close(fd)
	_, err = ifIndex(fd, name)
	if err == unix.ENODEV {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("look up link %s: %w", name, err)
	}
	return true, nil
}

// ifIndex is the index of the link named name (SIOCGIFINDEX).
func ifIndex(fd int, name string) (int, error) {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, err
	}
	return int(ifr.Uint32()), nil
}

// ForgetReleased removes every released marker (network prune, which
// deletes every veth without a live lease first).
func ForgetReleased() error {
	if err := os.RemoveAll(releasedDir()); err != nil {
		return fmt.Errorf("remove %s: %w", releasedDir(), err)
	}
	return nil
}
