package netrun

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"

	"mycontainer/netconf"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// A container's -p rules, added and removed by the runtime itself: they
// are the only nftables messages of a start and a teardown that are not
// cold, and the nftables library, linked into the runtime's binary,
// would cost every start (README, Networking). They are built here with
// the netlink library's attribute layer, expression by expression as
// google/nftables would build the same rule (network.dnat, which
// mycontainer-net uses; TestDNATBytesMatchLibrary in package network
// holds the two to the same bytes).

const nftSub = unix.NFNL_SUBSYS_NFTABLES << 8

// dnatChains are where a -p's rules go: prerouting for packets from
// other hosts and containers, output for the host's own.
var dnatChains = []string{"prerouting", "output"}

// addRules adds the DNAT rules of every -p of the container at ip, in
// one batch (applied whole or not at all), tagged with it.
func addRules(ip netip.Addr, ps []netconf.Publish) error {
	var msgs [][]byte
	for _, p := range ps {
		for _, ch := range dnatChains {
			msgs = append(msgs, ruleMsg(unix.NFT_MSG_NEWRULE, unix.NLM_F_CREATE|unix.NLM_F_APPEND,
				nl.NewRtAttr(unix.NFTA_RULE_TABLE, nl.ZeroTerminated(TableName)),
				nl.NewRtAttr(unix.NFTA_RULE_CHAIN, nl.ZeroTerminated(ch)),
				DNATExprs(ip, p),
				nl.NewRtAttr(unix.NFTA_RULE_USERDATA, RuleTag(ip))))
		}
	}
	if err := batch(msgs); err != nil {
		return fmt.Errorf("nftables: publish ports of %s: %w", ip, err)
	}
	return nil
}

// removeRules deletes every rule tagged with the container at ip, in one
// batch. A missing table or chain means there is nothing to delete.
func removeRules(ip netip.Addr) error {
	var msgs [][]byte
	for _, ch := range dnatChains {
		handles, err := taggedRules(ch, RuleTag(ip))
		if err != nil {
			return err
		}
		for _, h := range handles {
			msgs = append(msgs, ruleMsg(unix.NFT_MSG_DELRULE, 0,
				nl.NewRtAttr(unix.NFTA_RULE_TABLE, nl.ZeroTerminated(TableName)),
				nl.NewRtAttr(unix.NFTA_RULE_CHAIN, nl.ZeroTerminated(ch)),
				nl.NewRtAttr(unix.NFTA_RULE_HANDLE, binary.BigEndian.AppendUint64(nil, h))))
		}
	}
	if len(msgs) == 0 {
		return nil
	}
	if err := batch(msgs); err != nil {
		return fmt.Errorf("nftables: remove the rules of %s: %w", ip, err)
	}
	return nil
}

// taggedRules are the handles of chain's rules whose user data is tag.
func taggedRules(chain string, tag []byte) ([]uint64, error) {
	var handles []uint64
	err := dumpRules(chain, func(attrs []syscall.NetlinkRouteAttr) {
		var h uint64
		var match bool
		for _, a := range attrs {
			switch a.Attr.Type &^ unix.NLA_F_NESTED {
			case unix.NFTA_RULE_HANDLE:
				if len(a.Value) == 8 {
					h = binary.BigEndian.Uint64(a.Value)
				}
			case unix.NFTA_RULE_USERDATA:
				match = bytes.Equal(a.Value, tag)
			}
		}
		if match {
			handles = append(handles, h)
		}
	})
	if errors.Is(err, unix.ENOENT) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("nftables: list chain %s of table %s: %w", chain, TableName, err)
	}
	return handles, nil
}

// dumpRules calls f with the attributes of every rule of our table's
// chain (one dump request). ENOENT: no such table or chain.
func dumpRules(chain string, f func([]syscall.NetlinkRouteAttr)) error {
	s, err := nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_NETFILTER)
	if err != nil {
		return fmt.Errorf("open netlink: %w", err)
	}
	defer s.Close()
	req := nl.NewNetlinkRequest(nftSub|unix.NFT_MSG_GETRULE, unix.NLM_F_DUMP)
	req.Sockets = map[int]*nl.SocketHandle{unix.NETLINK_NETFILTER: {Socket: s}}
	req.AddData(nfgenmsg{unix.AF_INET, unix.NFNETLINK_V0, 0, 0})
	req.AddData(nl.NewRtAttr(unix.NFTA_RULE_TABLE, nl.ZeroTerminated(TableName)))
	req.AddData(nl.NewRtAttr(unix.NFTA_RULE_CHAIN, nl.ZeroTerminated(chain)))
	return req.ExecuteIter(unix.NETLINK_NETFILTER, nftSub|unix.NFT_MSG_NEWRULE, func(m []byte) bool {
		if len(m) >= 4 {
			if attrs, err := nl.ParseRouteAttr(m[4:]); err == nil {
				f(attrs)
			}
		}
		return true
	})
}

// DNATExprs is the rule of one -p: to a local address (or -p's own), this
// protocol and port, counted: to the container's address and port. The
// same expressions as network.dnat's, in the library's encoding.
func DNATExprs(ip netip.Addr, p netconf.Publish) *nl.RtAttr {
	list := nl.NewRtAttr(unix.NLA_F_NESTED|unix.NFTA_RULE_EXPRESSIONS, nil)
	if p.HostIP.IsValid() {
		list.AddChild(payload(unix.NFT_PAYLOAD_NETWORK_HEADER, 16, 4))
		list.AddChild(cmpEq(p.HostIP.AsSlice()))
	} else {
		// fib daddr type local: any address of the host's, 127.0.0.1 too,
		// and never traffic passing through to somewhere else.
		list.AddChild(expr("fib",
			u32Attr(unix.NFTA_FIB_DREG, unix.NFT_REG_1),
			u32Attr(unix.NFTA_FIB_FLAGS, unix.NFTA_FIB_F_DADDR),
			u32Attr(unix.NFTA_FIB_RESULT, unix.NFT_FIB_RESULT_ADDRTYPE)))
		list.AddChild(cmpEq(binary.NativeEndian.AppendUint32(nil, unix.RTN_LOCAL)))
	}
	proto := byte(unix.IPPROTO_TCP)
	if p.Proto == "udp" {
		proto = unix.IPPROTO_UDP
	}
	list.AddChild(expr("meta",
		u32Attr(unix.NFTA_META_KEY, unix.NFT_META_L4PROTO),
		u32Attr(unix.NFTA_META_DREG, unix.NFT_REG_1)))
	list.AddChild(cmpEq([]byte{proto}))
	list.AddChild(payload(unix.NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2))
	list.AddChild(cmpEq(binary.BigEndian.AppendUint16(nil, p.HostPort)))
	list.AddChild(expr("counter",
		nl.NewRtAttr(unix.NFTA_COUNTER_BYTES, make([]byte, 8)),
		nl.NewRtAttr(unix.NFTA_COUNTER_PACKETS, make([]byte, 8))))
	list.AddChild(immediate(unix.NFT_REG_1, ip.AsSlice()))
	list.AddChild(immediate(unix.NFT_REG_2, binary.BigEndian.AppendUint16(nil, p.ContainerPort)))
	list.AddChild(expr("nat",
		u32Attr(unix.NFTA_NAT_TYPE, unix.NFT_NAT_DNAT),
		u32Attr(unix.NFTA_NAT_FAMILY, unix.NFPROTO_IPV4),
		u32Attr(unix.NFTA_NAT_REG_ADDR_MIN, unix.NFT_REG_1),
		u32Attr(unix.NFTA_NAT_REG_PROTO_MIN, unix.NFT_REG_2),
		u32Attr(unix.NFTA_NAT_FLAGS, unix.NF_NAT_RANGE_PROTO_SPECIFIED)))
	return list
}

// expr is one element of a rule's expression list: its name and its
// nested data.
func expr(name string, data ...*nl.RtAttr) *nl.RtAttr {
	e := nl.NewRtAttr(unix.NLA_F_NESTED|unix.NFTA_LIST_ELEM, nil)
	e.AddRtAttr(unix.NFTA_EXPR_NAME, nl.ZeroTerminated(name))
	d := e.AddRtAttr(unix.NLA_F_NESTED|unix.NFTA_EXPR_DATA, nil)
	for _, a := range data {
		d.AddChild(a)
	}
	return e
}

func payload(base, offset, length uint32) *nl.RtAttr {
	return expr("payload",
		u32Attr(unix.NFTA_PAYLOAD_DREG, unix.NFT_REG_1),
		u32Attr(unix.NFTA_PAYLOAD_BASE, base),
		u32Attr(unix.NFTA_PAYLOAD_OFFSET, offset),
		u32Attr(unix.NFTA_PAYLOAD_LEN, length))
}

func cmpEq(v []byte) *nl.RtAttr {
	data := nl.NewRtAttr(unix.NLA_F_NESTED|unix.NFTA_CMP_DATA, nil)
	data.AddRtAttr(unix.NFTA_DATA_VALUE, v)
	return expr("cmp",
		u32Attr(unix.NFTA_CMP_SREG, unix.NFT_REG_1),
		u32Attr(unix.NFTA_CMP_OP, unix.NFT_CMP_EQ),
		data)
}

func immediate(reg uint32, v []byte) *nl.RtAttr {
	data := nl.NewRtAttr(unix.NLA_F_NESTED|unix.NFTA_IMMEDIATE_DATA, nil)
	data.AddRtAttr(unix.NFTA_DATA_VALUE, v)
	return expr("immediate", u32Attr(unix.NFTA_IMMEDIATE_DREG, reg), data)
}

// u32Attr: nftables' numbers are big-endian.
func u32Attr(typ int, v uint32) *nl.RtAttr {
	return nl.NewRtAttr(typ, binary.BigEndian.AppendUint32(nil, v))
}

// ruleMsg is one NEWRULE or DELRULE message of a batch, acknowledged.
func ruleMsg(typ, flags int, attrs ...*nl.RtAttr) []byte {
	req := nl.NewNetlinkRequest(nftSub|typ, flags|unix.NLM_F_ACK)
	req.AddData(nfgenmsg{unix.AF_INET, unix.NFNETLINK_V0, 0, 0})
	for _, a := range attrs {
		req.AddData(a)
	}
	return req.Serialize()
}

// batch sends msgs between a batch's begin and end, in one send: the
// kernel applies them all or none; then it waits for each one's ack.
func batch(msgs [][]byte) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_NETFILTER)
	if err != nil {
		return fmt.Errorf("open netlink: %w", err)
	}
	defer unix.Close(fd)
	// A kernel that never answers must not hang the run forever.
	tv := unix.Timeval{Sec: 10}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return err
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("bind netlink: %w", err)
	}
	resID := []byte{0, unix.NFNL_SUBSYS_NFTABLES} // big-endian
	mark := func(typ int) []byte {
		req := nl.NewNetlinkRequest(typ, 0)
		req.AddData(nfgenmsg{unix.AF_UNSPEC, unix.NFNETLINK_V0, resID[0], resID[1]})
		return req.Serialize()
	}
	buf := mark(unix.NFNL_MSG_BATCH_BEGIN)
	for _, m := range msgs {
		buf = append(buf, m...)
	}
	buf = append(buf, mark(unix.NFNL_MSG_BATCH_END)...)
	if err := unix.Sendto(fd, buf, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	rb := make([]byte, 1<<16)
	for acked := 0; acked < len(msgs); {
		n, _, err := unix.Recvfrom(fd, rb, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("read the answer: %w", err)
		}
		answers, err := syscall.ParseNetlinkMessage(rb[:n])
		if err != nil {
			return fmt.Errorf("read the answer: %w", err)
		}
		for _, a := range answers {
			if a.Header.Type != unix.NLMSG_ERROR || len(a.Data) < 4 {
				continue
			}
			if errno := int32(binary.NativeEndian.Uint32(a.Data[:4])); errno != 0 {
				return syscall.Errno(-errno)
			}
			acked++
		}
	}
	return nil
}
