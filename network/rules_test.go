package network

import (
	"bytes"
	"net/netip"
	"testing"

	"mycontainer/netconf"
	"mycontainer/netrun"

	"github.com/google/nftables"
	mdnetlink "github.com/mdlayher/netlink"
	"golang.org/x/sys/unix"
)

// The runtime checks the table by counting the bridge's rules: the count
// it expects must be the one made here.
func TestBridgeRuleCount(t *testing.T) {
	if n := len(masqueradeRules(netip.MustParsePrefix("10.88.0.0/16"), nil)); n != netrun.BridgeRules {
		t.Fatalf("masqueradeRules makes %d rules, netrun.BridgeRules says %d", n, netrun.BridgeRules)
	}
}

// The runtime builds a -p's DNAT rule itself (netrun.DNATExprs, without
// the nftables library): its expressions must be the library's bytes
// for the same rule (dnat), for every form of -p.
func TestDNATBytesMatchLibrary(t *testing.T) {
	ip := netip.MustParseAddr("10.88.0.7")
	for _, spec := range []string{"18080:80", "127.0.0.1:18081:8080/tcp", "15353:53/udp"} {
		p, err := netconf.ParsePublish(spec)
		if err != nil {
			t.Fatal(err)
		}
		var got []byte
		c, err := nftables.New(nftables.WithTestDial(func(req []mdnetlink.Message) ([]mdnetlink.Message, error) {
			for _, m := range req {
				if m.Header.Type == mdnetlink.HeaderType(unix.NFNL_SUBSYS_NFTABLES<<8|unix.NFT_MSG_NEWRULE) {
					ad, err := mdnetlink.NewAttributeDecoder(m.Data[4:])
					if err != nil {
						return nil, err
					}
					for ad.Next() {
						if ad.Type() == unix.NFTA_RULE_EXPRESSIONS {
							got = ad.Bytes()
						}
					}
				}
			}
			return req, nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		c.AddRule(&nftables.Rule{Table: table, Chain: chainPre, Exprs: dnat(ip, p)})
		if err := c.Flush(); err != nil {
			t.Fatal(err)
		}
		want := netrun.DNATExprs(ip, p)[4:] // past the attribute's header
		if !bytes.Equal(got, want) {
			t.Errorf("-p %s: netrun's expressions\n%x\nthe library's\n%x", spec, want, got)
		}
	}
}
