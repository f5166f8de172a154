package netrun

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// The requests here are built with the netlink library's message layer
// (netlink/nl), not its high-level calls: the runtime's binary links this
// package, and the high-level package's init and size cost every start
// of every container, bridge or not (an interleaved A/B: README,
// Networking).

// attach wires the container whose init is pid: a veth pair whose
// container end is born in init's network namespace as eth0 (no window in
// which it sits in the host's under another name), the host end on the
// bridge, and eth0's address and default route. init brought lo up.
func attach(pid int, l *Lease, b *Bridge) error {
	if err := addVeth(l.Veth, b.Index, pid); err != nil {
		return fmt.Errorf("create veth %s to the container (init pid %d): %w", l.Veth, pid, err)
	}
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		return fmt.Errorf("open the network namespace of pid %d: %w", pid, err)
	}
	defer ns.Close()
	s, err := nl.GetNetlinkSocketAt(ns, netns.None(), unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in the container's namespace: %w", err)
	}
	defer s.Close()
	socks := map[int]*nl.SocketHandle{unix.NETLINK_ROUTE: {Socket: s}}
	index, err := linkIndex(socks, "eth0")
	if err != nil {
		return fmt.Errorf("find eth0 in the container: %w", err)
	}
	if err := addAddr(socks, index, l.IP, b.Subnet.Bits()); err != nil {
		return fmt.Errorf("give eth0 address %s/%d: %w", l.IP, b.Subnet.Bits(), err)
	}
	if err := linkUp(socks, index); err != nil {
		return fmt.Errorf("bring eth0 up: %w", err)
	}
	if err := addDefaultRoute(socks, index, b.Gateway()); err != nil {
		return fmt.Errorf("add the default route via %s: %w", b.Gateway(), err)
	}
	return nil
}

func request(socks map[int]*nl.SocketHandle, typ, flags int) *nl.NetlinkRequest {
	req := nl.NewNetlinkRequest(typ, flags)
	req.Sockets = socks
	return req
}

// linkIndex looks a link up by name (RTM_GETLINK).
func linkIndex(socks map[int]*nl.SocketHandle, name string) (int32, error) {
	req := request(socks, unix.RTM_GETLINK, unix.NLM_F_ACK)
	req.AddData(nl.NewIfInfomsg(unix.AF_UNSPEC))
	req.AddData(nl.NewRtAttr(unix.IFLA_IFNAME, nl.ZeroTerminated(name)))
	msgs, err := req.Execute(unix.NETLINK_ROUTE, unix.RTM_NEWLINK)
	if err != nil {
		return 0, err
	}
	if len(msgs) != 1 {
		return 0, fmt.Errorf("%d answers to RTM_GETLINK", len(msgs))
	}
	return nl.DeserializeIfInfomsg(msgs[0]).Index, nil
}

// addAddr gives the link index ip/bits, with the subnet's broadcast
// address (as `ip addr add ... brd +` would).
func addAddr(socks map[int]*nl.SocketHandle, index int32, ip netip.Addr, bits int) error {
	req := request(socks, unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
	msg := nl.NewIfAddrmsg(unix.AF_INET)
	msg.Index, msg.Prefixlen = uint32(index), uint8(bits)
	req.AddData(msg)
	a := ip.As4()
	mask := net.CIDRMask(bits, 32)
	var brd [4]byte
	for i := range brd {
		brd[i] = a[i] | ^mask[i]
	}
	req.AddData(nl.NewRtAttr(unix.IFA_LOCAL, a[:]))
	req.AddData(nl.NewRtAttr(unix.IFA_ADDRESS, a[:]))
	req.AddData(nl.NewRtAttr(unix.IFA_BROADCAST, brd[:]))
	_, err := req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}

func linkUp(socks map[int]*nl.SocketHandle, index int32) error {
	req := request(socks, unix.RTM_NEWLINK, unix.NLM_F_ACK)
	msg := nl.NewIfInfomsg(unix.AF_UNSPEC)
	msg.Index, msg.Flags, msg.Change = index, unix.IFF_UP, unix.IFF_UP
	req.AddData(msg)
	_, err := req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}

func addDefaultRoute(socks map[int]*nl.SocketHandle, index int32, gw netip.Addr) error {
	req := request(socks, unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
	msg := nl.NewRtMsg() // main table, boot protocol, universe scope, unicast
	msg.Family = unix.AF_INET
	req.AddData(msg)
	g := gw.As4()
	req.AddData(nl.NewRtAttr(unix.RTA_GATEWAY, g[:]))
	req.AddData(nl.NewRtAttr(unix.RTA_OIF, nl.Uint32Attr(uint32(index))))
	_, err := req.Execute(unix.NETLINK_ROUTE, 0)
	return err
}

// hostSocks is the host's rtnetlink socket, opened on first use and
// kept for the rest of the process.
var hostSocks map[int]*nl.SocketHandle

func hostRoute() (map[int]*nl.SocketHandle, error) {
	if hostSocks == nil {
		s, err := nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_ROUTE)
		if err != nil {
			return nil, fmt.Errorf("open rtnetlink: %w", err)
		}
		hostSocks = map[int]*nl.SocketHandle{unix.NETLINK_ROUTE: {Socket: s}}
	}
	return hostSocks, nil
}

// addVeth makes the pair in one request: the host end named name, up and
// on the bridge with index master; the peer born as eth0 in the network
// namespace of pid. The library's LinkAdd takes four requests for the
// same (create, look the index up, set the master, set it up).
func addVeth(name string, master, pid int) error {
	socks, err := hostRoute()
	if err != nil {
		return err
	}
	req := request(socks, unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
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

// RemoveVeth deletes a host end by name, in one request; its peer goes
// with it. A missing one is fine: the container's namespace died and
// took the pair along.
func RemoveVeth(name string) error {
	socks, err := hostRoute()
	if err != nil {
		return err
	}
	req := request(socks, unix.RTM_DELLINK, unix.NLM_F_ACK)
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
