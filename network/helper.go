package network

import (
	"errors"
	"fmt"
	"net/netip"

	"mycontainer/netconf"
	"mycontainer/netrun"
)

// The runtime does each container's lease, veth and teardown itself
// (netrun); these are the parts it leaves to mycontainer-net, which links
// the netlink and nftables libraries (netrun.Helper). Each runs with the
// runtime's lock held, inherited (netrun.CheckHeldLock).

// Prepare reclaims every dead lease, rules and all, and with bridge makes
// sure of the bridge, its kernel settings and the table.
func Prepare(bridge bool) error {
	if err := reclaim(); err != nil {
		return err
	}
	if !bridge {
		return nil
	}
	b, err := ensureBridge()
	if err != nil {
		return err
	}
	return ensureTable(b.Subnet)
}

// Publish adds the DNAT rules of the container at ip.
func Publish(ip netip.Addr, ps []netconf.Publish) error { return addPublished(ip, ps) }

// Unpublish removes every rule of the container at ip.
func Unpublish(ip netip.Addr) error { return removePublished(ip) }

// teardown removes a lease with its rules, veth and files.
func teardown(l *netrun.Lease) error { return netrun.Teardown(l, removePublished) }

// reclaim tears down every lease whose holder is dead. Called with the
// lock held.
func reclaim() error {
	leases, err := netrun.Leases()
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range leases {
		if !l.Alive() {
			if err := teardown(l); err != nil {
				errs = append(errs, fmt.Errorf("reclaim the lease of dead run %d (%s): %w", l.Runtime, l.IP, err))
			}
		}
	}
	return errors.Join(errs...)
}

func locked(f func() error) error {
	unlock, err := netrun.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	return f()
}
