package network

import (
	"mycontainer/netrun"
)

// The runtime does each container's lease, veth, rules and teardown
// itself (netrun); making the bridge and the table is left to
// mycontainer-net, which links the netlink and nftables libraries
// (netrun.Helper), with the runtime's lock held, inherited
// (netrun.CheckHeldLock).

// Prepare makes sure of the bridge, its kernel settings and the table.
func Prepare() error {
	b, err := ensureBridge()
	if err != nil {
		return err
	}
	return ensureTable(b.Subnet)
}

// teardown removes a lease with its rules, veth and files.
func teardown(l *netrun.Lease) error { return netrun.Teardown(l, removePublished) }

func locked(f func() error) error {
	unlock, err := netrun.Lock()
	if err != nil {
		return err
	}
	defer unlock()
	return f()
}
