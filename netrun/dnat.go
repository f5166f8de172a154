package netrun

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"mycontainer/netconf"

	"golang.org/x/sys/unix"
)

// A container's -p rules, added and removed by the runtime itself: they
// are the only nftables messages of a start and a teardown that are not
// cold, and the nftables library, linked into the runtime's binary,
// would cost every start (README, Networking). They are built here
// (nlmsg.go), expression by expression as google/nftables would build
// the same rule (network.dnat, which
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
			msgs = append(msgs, message(nftSub|unix.NFT_MSG_NEWRULE, unix.NLM_F_CREATE|unix.NLM_F_APPEND|unix.NLM_F_ACK,
				nfgenmsg(unix.AF_INET),
				str(unix.NFTA_RULE_TABLE, TableName),
				str(unix.NFTA_RULE_CHAIN, ch),
				dnatExprs(ip, p),
				newAttr(unix.NFTA_RULE_USERDATA, RuleTag(ip))))
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
			msgs = append(msgs, message(nftSub|unix.NFT_MSG_DELRULE, unix.NLM_F_ACK, nfgenmsg(unix.AF_INET),
				str(unix.NFTA_RULE_TABLE, TableName),
				str(unix.NFTA_RULE_CHAIN, ch),
				newAttr(unix.NFTA_RULE_HANDLE, binary.BigEndian.AppendUint64(nil, h))))
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
	var h uint64
	var match bool
	err := dumpRules(chain, func(typ uint16, v []byte) {
		switch typ {
		case unix.NFTA_RULE_HANDLE:
			if len(v) == 8 {
				h = binary.BigEndian.Uint64(v)
			}
		case unix.NFTA_RULE_USERDATA:
			match = bytes.Equal(v, tag)
		case 0: // the rule's end
			if match {
				handles = append(handles, h)
			}
			h, match = 0, false
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

// DNATExprs is the rule of one -p: to a local address (or -p's own), this
// protocol and port, counted: to the container's address and port. The
// same expressions as network.dnat's, in the library's encoding: the
// encoded attribute, for TestDNATBytesMatchLibrary.
func DNATExprs(ip netip.Addr, p netconf.Publish) []byte { return dnatExprs(ip, p).appendTo(nil) }

func dnatExprs(ip netip.Addr, p netconf.Publish) *attr {
	list := nested(unix.NFTA_RULE_EXPRESSIONS)
	if p.HostIP.IsValid() {
		list.add(payload(unix.NFT_PAYLOAD_NETWORK_HEADER, 16, 4), cmpEq(p.HostIP.AsSlice()))
	} else {
		// fib daddr type local: any address of the host's, 127.0.0.1 too,
		// and never traffic passing through to somewhere else.
		list.add(expr("fib",
			u32be(unix.NFTA_FIB_DREG, unix.NFT_REG_1),
			u32be(unix.NFTA_FIB_FLAGS, unix.NFTA_FIB_F_DADDR),
			u32be(unix.NFTA_FIB_RESULT, unix.NFT_FIB_RESULT_ADDRTYPE)),
			cmpEq(binary.NativeEndian.AppendUint32(nil, unix.RTN_LOCAL)))
	}
	proto := byte(unix.IPPROTO_TCP)
	if p.Proto == "udp" {
		proto = unix.IPPROTO_UDP
	}
	list.add(
		expr("meta",
			u32be(unix.NFTA_META_KEY, unix.NFT_META_L4PROTO),
			u32be(unix.NFTA_META_DREG, unix.NFT_REG_1)),
		cmpEq([]byte{proto}),
		payload(unix.NFT_PAYLOAD_TRANSPORT_HEADER, 2, 2),
		cmpEq(binary.BigEndian.AppendUint16(nil, p.HostPort)),
		expr("counter",
			newAttr(unix.NFTA_COUNTER_BYTES, make([]byte, 8)),
			newAttr(unix.NFTA_COUNTER_PACKETS, make([]byte, 8))),
		immediate(unix.NFT_REG_1, ip.AsSlice()),
		immediate(unix.NFT_REG_2, binary.BigEndian.AppendUint16(nil, p.ContainerPort)),
		expr("nat",
			u32be(unix.NFTA_NAT_TYPE, unix.NFT_NAT_DNAT),
			u32be(unix.NFTA_NAT_FAMILY, unix.NFPROTO_IPV4),
			u32be(unix.NFTA_NAT_REG_ADDR_MIN, unix.NFT_REG_1),
			u32be(unix.NFTA_NAT_REG_PROTO_MIN, unix.NFT_REG_2),
			u32be(unix.NFTA_NAT_FLAGS, unix.NF_NAT_RANGE_PROTO_SPECIFIED)))
	return list
}

// expr is one element of a rule's expression list: its name and its
// nested data.
func expr(name string, data ...*attr) *attr {
	return nested(unix.NFTA_LIST_ELEM, str(unix.NFTA_EXPR_NAME, name), nested(unix.NFTA_EXPR_DATA, data...))
}

func payload(base, offset, length uint32) *attr {
	return expr("payload",
		u32be(unix.NFTA_PAYLOAD_DREG, unix.NFT_REG_1),
		u32be(unix.NFTA_PAYLOAD_BASE, base),
		u32be(unix.NFTA_PAYLOAD_OFFSET, offset),
		u32be(unix.NFTA_PAYLOAD_LEN, length))
}

func cmpEq(v []byte) *attr {
	return expr("cmp",
		u32be(unix.NFTA_CMP_SREG, unix.NFT_REG_1),
		u32be(unix.NFTA_CMP_OP, unix.NFT_CMP_EQ),
		nested(unix.NFTA_CMP_DATA, newAttr(unix.NFTA_DATA_VALUE, v)))
}

func immediate(reg uint32, v []byte) *attr {
	return expr("immediate", u32be(unix.NFTA_IMMEDIATE_DREG, reg),
		nested(unix.NFTA_IMMEDIATE_DATA, newAttr(unix.NFTA_DATA_VALUE, v)))
}

// batch sends msgs between a batch's begin and end, in one write: the
// kernel applies them all or none; then it waits for each one's ack.
func batch(msgs [][]byte) error {
	s, err := openNetlink(unix.NETLINK_NETFILTER)
	if err != nil {
		return err
	}
	defer s.close()
	resID := []byte{unix.AF_UNSPEC, unix.NFNETLINK_V0, 0, unix.NFNL_SUBSYS_NFTABLES} // res_id big-endian
	all := append([][]byte{message(unix.NFNL_MSG_BATCH_BEGIN, 0, resID)}, msgs...)
	all = append(all, message(unix.NFNL_MSG_BATCH_END, 0, resID))
	first, err := s.send(all...)
	if err != nil {
		return err
	}
	return s.receive(first, len(msgs), nil)
}
