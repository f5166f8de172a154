package netrun

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// attach wires the container whose init is pid: a veth pair whose
// container end is born in init's network namespace as eth0 (no window in
// which it sits in the host's under another name), the host end on the
// bridge, and eth0's address and default route. init brought lo up.
func attach(pid int, l *Lease, b *Bridge) error {
	if err := addVeth(l.Veth, b.Index, pid); err != nil {
		return fmt.Errorf("create veth %s to the container (init pid %d): %w", l.Veth, pid, err)
	}
	s, err := openNetlinkIn(pid, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("netlink in the container's namespace: %w", err)
	}
	defer s.close()
	index, err := linkIndex(s, "eth0")
	if err != nil {
		return fmt.Errorf("find eth0 in the container: %w", err)
	}
	if err := addAddr(s, index, l.IP, b.Subnet.Bits()); err != nil {
		return fmt.Errorf("give eth0 address %s/%d: %w", l.IP, b.Subnet.Bits(), err)
	}
	if err := s.do(message(unix.RTM_NEWLINK, unix.NLM_F_ACK, ifinfomsg(index, unix.IFF_UP)), nil); err != nil {
		return fmt.Errorf("bring eth0 up: %w", err)
	}
	if err := addDefaultRoute(s, index, b.Gateway()); err != nil {
		return fmt.Errorf("add the default route via %s: %w", b.Gateway(), err)
	}
	return nil
}

// ifinfomsg: family unspecified, the link's index, flags set in change.
func ifinfomsg(index int32, up uint32) []byte {
	b := make([]byte, unix.SizeofIfInfomsg)
	binary.NativeEndian.PutUint32(b[4:], uint32(index))
	binary.NativeEndian.PutUint32(b[8:], up)
	binary.NativeEndian.PutUint32(b[12:], up)
	return b
}

// linkIndex looks a link up by name (RTM_GETLINK).
func linkIndex(s *nlSocket, name string) (int32, error) {
	index := int32(-1)
	err := s.do(message(unix.RTM_GETLINK, unix.NLM_F_ACK, ifinfomsg(0, 0), str(unix.IFLA_IFNAME, name)),
		func(typ uint16, data []byte) {
			if typ == unix.RTM_NEWLINK && len(data) >= unix.SizeofIfInfomsg {
				index = int32(binary.NativeEndian.Uint32(data[4:]))
			}
		})
	if err == nil && index < 0 {
		err = fmt.Errorf("no answer to RTM_GETLINK")
	}
	return index, err
}

// addAddr gives the link index ip/bits, with the subnet's broadcast
// address (as `ip addr add ... brd +` would).
func addAddr(s *nlSocket, index int32, ip netip.Addr, bits int) error {
	msg := make([]byte, unix.SizeofIfAddrmsg)
	msg[0], msg[1] = unix.AF_INET, byte(bits)
	binary.NativeEndian.PutUint32(msg[4:], uint32(index))
	a := ip.As4()
	brd := binary.BigEndian.Uint32(a[:]) | ^(^uint32(0) << (32 - bits))
	return s.do(message(unix.RTM_NEWADDR, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK, msg,
		newAttr(unix.IFA_LOCAL, a[:]),
		newAttr(unix.IFA_ADDRESS, a[:]),
		newAttr(unix.IFA_BROADCAST, binary.BigEndian.AppendUint32(nil, brd))), nil)
}

// addDefaultRoute: via gw on the link index, main table.
func addDefaultRoute(s *nlSocket, index int32, gw netip.Addr) error {
	msg := []byte{unix.AF_INET, 0, 0, 0, unix.RT_TABLE_MAIN, unix.RTPROT_BOOT, unix.RT_SCOPE_UNIVERSE, unix.RTN_UNICAST, 0, 0, 0, 0}
	g := gw.As4()
	return s.do(message(unix.RTM_NEWROUTE, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK, msg,
		newAttr(unix.RTA_GATEWAY, g[:]),
		u32(unix.RTA_OIF, uint32(index))), nil)
}

// hostSock is the host's rtnetlink socket, opened on first use and kept
// for the rest of the process.
var hostSock *nlSocket

func hostRoute() (*nlSocket, error) {
	if hostSock == nil {
		s, err := openNetlink(unix.NETLINK_ROUTE)
		if err != nil {
			return nil, err
		}
		hostSock = s
	}
	return hostSock, nil
}

// vethInfoPeer is VETH_INFO_PEER (linux/veth.h).
const vethInfoPeer = 1

// addVeth makes the pair in one request: the host end named name, up and
// on the bridge with index master; the peer born as eth0 in the network
// namespace of pid. (The library's LinkAdd takes four requests for the
// same: create, look the index up, set the master, set it up.)
func addVeth(name string, master, pid int) error {
	s, err := hostRoute()
	if err != nil {
		return err
	}
	// The peer cannot be born up: veth_open refuses (ENOTCONN) until
	// its own peer is registered, which comes after.
	peer := newAttr(vethInfoPeer, ifinfomsg(0, 0)).add(
		str(unix.IFLA_IFNAME, "eth0"),
		u32(unix.IFLA_NET_NS_PID, uint32(pid)))
	info := newAttr(unix.IFLA_LINKINFO, nil).add(
		newAttr(unix.IFLA_INFO_KIND, []byte("veth")),
		newAttr(unix.IFLA_INFO_DATA, nil).add(peer))
	return s.do(message(unix.RTM_NEWLINK, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK, ifinfomsg(0, unix.IFF_UP),
		str(unix.IFLA_IFNAME, name),
		u32(unix.IFLA_MASTER, uint32(master)),
		info), nil)
}

// RemoveVeth deletes a host end by name, in one request; its peer goes
// with it. A missing one is fine: the container's namespace died and
// took the pair along.
func RemoveVeth(name string) error {
	s, err := hostRoute()
	if err != nil {
		return err
	}
	err = s.do(message(unix.RTM_DELLINK, unix.NLM_F_ACK, ifinfomsg(0, 0), str(unix.IFLA_IFNAME, name)), nil)
	if errors.Is(err, unix.ENODEV) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("remove veth %s: %w", name, err)
	}
	return nil
}
