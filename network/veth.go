package network

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// attach wires the container whose init is pid: a veth pair whose
// container end is born in init's network namespace as eth0 (no window in
// which it sits in the host's under another name), the host end on the
// bridge, and eth0's address and default route. init brought lo up.
func attach(pid int, l *Lease, b *Bridge) error {
	if err := addVeth(l.Veth, b.index, pid); err != nil {
		return fmt.Errorf("create veth %s to the container (init pid %d): %w", l.Veth, pid, err)
	}
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		return fmt.Errorf("open the network namespace of pid %d: %w", pid, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in the container's namespace: %w", err)
	}
	defer h.Close()
	eth, err := h.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("find eth0 in the container: %w", err)
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: l.IP.AsSlice(), Mask: net.CIDRMask(b.Subnet.Bits(), 32)}}
	if err := h.AddrAdd(eth, addr); err != nil {
		return fmt.Errorf("give eth0 address %s: %w", addr, err)
	}
	if err := h.LinkSetUp(eth); err != nil {
		return fmt.Errorf("bring eth0 up: %w", err)
	}
	gw := b.Gateway().AsSlice()
	if err := h.RouteAdd(&netlink.Route{LinkIndex: eth.Attrs().Index, Gw: gw}); err != nil {
		return fmt.Errorf("add the default route via %s: %w", b.Gateway(), err)
	}
	return nil
}

// addVeth makes the pair in one request: the host end named name, up and
// on the bridge with index master; the peer born as eth0 in the network
// namespace of pid. The library's LinkAdd takes four requests for the
// same (create, look the index up, set the master, set it up).
func addVeth(name string, master, pid int) error {
	socks, err := routeSockets()
	if err != nil {
		return err
	}
	req := nl.NewNetlinkRequest(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
	req.Sockets = socks
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Flags, msg.Change = unix.IFF_UP, unix.IFF_UP
	req.AddData(msg)
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
	req.AddData(nl.NewRtAttr(unix.IFLA_MASTER, nl.Uint32Attr(uint32(master))))
	info := nl.NewRtAttr(unix.IFLA_LINKINFO, nil)
	info.AddRtAttr(nl.IFLA_INFO_KIND, nl.NonZeroTerminated("veth"))
	peer := info.AddRtAttr(nl.IFLA_INFO_DATA, nil).AddRtAttr(nl.VETH_INFO_PEER, nil)
	// The peer cannot be born up: veth_open refuses (ENOTCONN) until
	// its own peer is registered, which comes after.
	nl.NewIfInfomsgChild(peer, unix.AF_UNSPEC)
	peer.AddRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated("eth0"))
	peer.AddRtAttr(unix.IFLA_NET_NS_PID, nl.Uint32Attr(uint32(pid)))
	req.AddData(info)
	_, err = req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}

// removeVeth deletes a host end by name, in one request; its peer goes
// with it. A missing one is fine: the container's namespace died and
// took the pair along.
func removeVeth(name string) error {
	socks, err := routeSockets()
	if err != nil {
		return err
	}
	req := nl.NewNetlinkRequest(unix.RTM_DELLINK, unix.NLM_F_ACK)
	req.Sockets = socks
	req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
	_, err = req.Execute(unix.NETLINK_ROUTE, 0)
	if errors.Is(err, unix.ENODEV) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove veth %s: %w", name, err)
	}
	return nil
}

// Veths lists the host ends of our veth pairs that exist now.
func Veths() ([]string, error) {
	h, err := route()
	if err != nil {
		return nil, err
	}
	links, err := h.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	var out []string
	for _, l := range links {
		if n := l.Attrs().Name; len(n) > len(vethPrefix) && n[:len(vethPrefix)] == vethPrefix {
			out = append(out, n)
		}
	}
	return out, nil
}
