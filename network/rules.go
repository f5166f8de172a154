package network

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"mycontainer/netrun"
	"net/netip"

	"mycontainer/netconf"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// The table and its three NAT chains. Every change is one netlink batch
// (Flush), which the kernel applies whole or not at all.
var (
	table = &nftables.Table{Name: netrun.TableName, Family: nftables.TableFamilyIPv4}
	// prerouting: published ports, for packets from other hosts and from
	// containers (hairpin).
	chainPre = &nftables.Chain{Name: "prerouting", Table: table, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPrerouting, Priority: nftables.ChainPriorityNATDest}
	// output: the same ports for the host's own connections, 127.0.0.1 too.
	chainOut = &nftables.Chain{Name: "output", Table: table, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookOutput, Priority: nftables.ChainPriorityNATDest}
	// postrouting: masquerade, the bridge's rules only.
	chainPost = &nftables.Chain{Name: "postrouting", Table: table, Type: nftables.ChainTypeNAT,
		Hooknum: nftables.ChainHookPostrouting, Priority: nftables.ChainPriorityNATSource}
)

// ensureTable makes the table, its chains and the bridge's masquerade
// rules for subnet, if they are not there as they should be.
func ensureTable(subnet netip.Prefix) error {
	c, err := conn()
	if err != nil {
		return err
	}
	tag := netrun.BridgeRuleTag(subnet)
	if t, err := c.ListTableOfFamily(netrun.TableName, nftables.TableFamilyIPv4); err == nil && t != nil {
		rules, err := c.GetRules(table, chainPost)
		if err == nil {
			n := 0
			for _, r := range rules {
				if bytes.Equal(r.UserData, tag) {
					n++
				} else if bytes.HasPrefix(r.UserData, netrun.BridgeTag) {
					// A bridge of another subnet once: its rules go.
					if err := c.DelRule(r); err != nil {
						discard()
						return fmt.Errorf("nftables: drop a stale bridge rule: %w", err)
					}
				}
			}
			if n == len(masqueradeRules(subnet, nil)) {
				return flush(c, "drop stale bridge rules")
			}
		}
	}
	c.AddTable(table)
	for _, ch := range []*nftables.Chain{chainPre, chainOut, chainPost} {
		c.AddChain(ch)
	}
	// Replace the bridge's rules whole: the chain holds nothing else.
	c.FlushChain(chainPost)
	for _, r := range masqueradeRules(subnet, tag) {
		c.AddRule(r)
	}
	return flush(c, "create table "+netrun.TableName)
}

func flush(c *nftables.Conn, what string) error {
	if err := c.Flush(); err != nil {
		return fmt.Errorf("nftables: %s: %w", what, err)
	}
	return nil
}

// masqueradeRules are the bridge's source NAT:
//   - outbound: from the subnet to anywhere but the bridge;
//   - hairpin: a container reaching a published port that leads back to
//     the bridge, so the reply comes back through the host's NAT instead
//     of straight from the other container (which the client would reject);
//   - 127.0.0.1 DNATed to a container: route_localnet lets the packet
//     leave on the bridge with its 127.0.0.1 source, but the container
//     would answer 127.0.0.1, its own loopback, and the reply would never
//     come back; masquerading gives it the bridge's address instead.
//     Without this rule the GET from 127.0.0.1 of TestNetBridgePublish
//     fails ("no route to host"; the mutation "127/8 not masqueraded").
//
// A client from elsewhere matches none of them: its address is kept.
func masqueradeRules(subnet netip.Prefix, tag []byte) []*nftables.Rule {
	lo := netip.MustParsePrefix("127.0.0.0/8")
	rule := func(e ...expr.Any) *nftables.Rule {
		return &nftables.Rule{Table: table, Chain: chainPost, UserData: tag,
			Exprs: append(e, &expr.Counter{}, &expr.Masq{})}
	}
	rules := []*nftables.Rule{
		rule(cat(saddrIn(subnet), oifname(expr.CmpOpNeq))...),
		rule(cat(saddrIn(subnet), oifname(expr.CmpOpEq), ctDNAT())...),
	}
	rules = append(rules, rule(cat(saddrIn(lo), oifname(expr.CmpOpEq))...))
	return rules
}

// addPublished adds the DNAT rules of every -p of the container at ip, in
// one batch, tagged with it.
func addPublished(ip netip.Addr, ps []netconf.Publish) error {
	if len(ps) == 0 {
		return nil
	}
	c, err := conn()
	if err != nil {
		return err
	}
	for _, p := range ps {
		for _, ch := range []*nftables.Chain{chainPre, chainOut} {
			c.AddRule(&nftables.Rule{Table: table, Chain: ch, UserData: netrun.RuleTag(ip), Exprs: dnat(ip, p)})
		}
	}
	return flush(c, "publish ports of "+ip.String())
}

// dnat: to a local address (or -p's own), this protocol and port: to
// the container's address and port.
func dnat(ip netip.Addr, p netconf.Publish) []expr.Any {
	var e []expr.Any
	if p.HostIP.IsValid() {
		e = append(e, &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 16, Len: 4},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.HostIP.AsSlice()})
	} else {
		// fib daddr type local: any address of the host's, 127.0.0.1 too,
		// and never traffic passing through to somewhere else.
		e = append(e, &expr.Fib{Register: 1, FlagDADDR: true, ResultADDRTYPE: true},
			&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binaryutil.NativeEndian.PutUint32(unix.RTN_LOCAL)})
	}
	proto := byte(unix.IPPROTO_TCP)
	if p.Proto == "udp" {
		proto = unix.IPPROTO_UDP
	}
	return append(e,
		&expr.Meta{Key: expr.MetaKeyL4PROTO, Register: 1},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: []byte{proto}},
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: 2, Len: 2},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: binary.BigEndian.AppendUint16(nil, p.HostPort)},
		&expr.Counter{},
		&expr.Immediate{Register: 1, Data: ip.AsSlice()},
		&expr.Immediate{Register: 2, Data: binary.BigEndian.AppendUint16(nil, p.ContainerPort)},
		&expr.NAT{Type: expr.NATTypeDestNAT, Family: unix.NFPROTO_IPV4, RegAddrMin: 1, RegProtoMin: 2, Specified: true},
	)
}

// removePublished deletes every rule tagged with the container at ip, in
// one batch. A missing table means there is nothing to delete.
func removePublished(ip netip.Addr) error {
	c, err := conn()
	if err != nil {
		return err
	}
	if _, err := c.ListTableOfFamily(netrun.TableName, nftables.TableFamilyIPv4); err != nil {
		return nil
	}
	n := 0
	for _, ch := range []*nftables.Chain{chainPre, chainOut} {
		rules, err := c.GetRules(table, ch)
		if err != nil {
			discard()
			return fmt.Errorf("nftables: list chain %s: %w", ch.Name, err)
		}
		for _, r := range rules {
			if bytes.Equal(r.UserData, netrun.RuleTag(ip)) {
				if err := c.DelRule(r); err != nil {
					discard()
					return fmt.Errorf("nftables: delete a rule of %s: %w", ip, err)
				}
				n++
			}
		}
	}
	if n == 0 {
		return nil
	}
	return flush(c, "remove the rules of "+ip.String())
}

// Rule is one of our rules as inspect shows it.
type Rule struct {
	Chain   string `json:"chain"`
	Tag     string `json:"tag"`
	Packets uint64 `json:"packets"`
	Bytes   uint64 `json:"bytes"`
	Summary string `json:"summary,omitempty"`
}

// Rules lists every rule of our table (none if it does not exist).
func Rules() ([]Rule, error) {
	c, err := conn()
	if err != nil {
		return nil, err
	}
	if _, err := c.ListTableOfFamily(netrun.TableName, nftables.TableFamilyIPv4); err != nil {
		return nil, nil
	}
	var out []Rule
	for _, ch := range []*nftables.Chain{chainPre, chainOut, chainPost} {
		rules, err := c.GetRules(table, ch)
		if err != nil {
			return nil, fmt.Errorf("nftables: list chain %s: %w", ch.Name, err)
		}
		for _, r := range rules {
			ru := Rule{Chain: ch.Name, Tag: string(r.UserData)}
			for _, e := range r.Exprs {
				if cnt, ok := e.(*expr.Counter); ok {
					ru.Packets, ru.Bytes = cnt.Packets, cnt.Bytes
				}
			}
			out = append(out, ru)
		}
	}
	return out, nil
}

// removeTable deletes our table whole (prune, once no lease is left).
func removeTable() error {
	c, err := conn()
	if err != nil {
		return err
	}
	if _, err := c.ListTableOfFamily(netrun.TableName, nftables.TableFamilyIPv4); err != nil {
		return nil
	}
	c.DelTable(table)
	return flush(c, "remove table "+netrun.TableName)
}

func saddrIn(p netip.Prefix) []expr.Any {
	return []expr.Any{
		&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: 12, Len: 4},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: netmask(p.Bits()), Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Masked().Addr().AsSlice()},
	}
}

func oifname(op expr.CmpOp) []expr.Any {
	name := make([]byte, unix.IFNAMSIZ)
	copy(name, netrun.BridgeName)
	return []expr.Any{&expr.Meta{Key: expr.MetaKeyOIFNAME, Register: 1},
		&expr.Cmp{Op: op, Register: 1, Data: name}}
}

// ipsDstNAT is the kernel's IPS_DST_NAT conntrack status bit.
const ipsDstNAT = 1 << 5

// ctDNAT: ct status dnat.
func ctDNAT() []expr.Any {
	return []expr.Any{&expr.Ct{Register: 1, Key: expr.CtKeySTATUS},
		&expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: 4,
			Mask: binaryutil.NativeEndian.PutUint32(ipsDstNAT), Xor: make([]byte, 4)},
		&expr.Cmp{Op: expr.CmpOpNeq, Register: 1, Data: make([]byte, 4)}}
}

func netmask(bits int) []byte {
	m := make([]byte, 4)
	binary.BigEndian.PutUint32(m, ^uint32(0)<<(32-bits))
	return m
}

func cat(parts ...[]expr.Any) []expr.Any {
	var out []expr.Any
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}
