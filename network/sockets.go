package network

import (
	"fmt"

	"github.com/google/nftables"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// One rtnetlink socket and one nftables socket per process, opened on
// first use. The library's package-level calls open, bind and close a
// socket for every request (about ten system calls each); a container's
// start and teardown make some twenty requests, so sharing the sockets
// is a large part of what --net bridge costs. The process is short-lived
// (one helper step, or one network command): the exit closes
// them.
var (
	routeHandle *netlink.Handle
	nftConn     *nftables.Conn
)

// route is the host's rtnetlink handle.
func route() (*netlink.Handle, error) {
	if routeHandle == nil {
		h, err := netlink.NewHandle(unix.NETLINK_ROUTE)
		if err != nil {
			return nil, fmt.Errorf("open rtnetlink: %w", err)
		}
		routeHandle = h
	}
	return routeHandle, nil
}

// conn is the nftables connection; lasting, so that every listing and
// batch goes over the same socket.
func conn() (*nftables.Conn, error) {
	if nftConn == nil {
		c, err := nftables.New(nftables.AsLasting())
		if err != nil {
			return nil, fmt.Errorf("nftables: open netlink: %w", err)
		}
		nftConn = c
	}
	return nftConn, nil
}

// discard drops the nftables connection with what it has queued: a
// change given up half-way must not ride along with the next batch.
func discard() {
	if nftConn != nil {
		nftConn.CloseLasting()
		nftConn = nil
	}
}
