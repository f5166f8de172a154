package netrun

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// tableReady reports whether our table holds the bridge's masquerade
// rules for subnet, as mycontainer-net made them: n rules of the
// postrouting chain tagged for it. One dump request, read for the tags
// only; making or mending the table is mycontainer-net's (the nftables
// library, whose init and size the runtime's binary does without).
func tableReady(subnet netip.Prefix, n int) (bool, error) {
	s, err := nl.GetNetlinkSocketAt(netns.None(), netns.None(), unix.NETLINK_NETFILTER)
	if err != nil {
		return false, fmt.Errorf("nftables: open netlink: %w", err)
	}
	defer s.Close()
	const sub = unix.NFNL_SUBSYS_NFTABLES << 8
	req := nl.NewNetlinkRequest(sub|unix.NFT_MSG_GETRULE, unix.NLM_F_DUMP)
	req.Sockets = map[int]*nl.SocketHandle{unix.NETLINK_NETFILTER: {Socket: s}}
	req.AddData(nfgenmsg{unix.AF_INET, unix.NFNETLINK_V0, 0, 0})
	req.AddData(nl.NewRtAttr(unix.NFTA_RULE_TABLE, nl.ZeroTerminated(TableName)))
	req.AddData(nl.NewRtAttr(unix.NFTA_RULE_CHAIN, nl.ZeroTerminated("postrouting")))
	tag := BridgeRuleTag(subnet)
	found, other := 0, 0
	err = req.ExecuteIter(unix.NETLINK_NETFILTER, sub|unix.NFT_MSG_NEWRULE, func(m []byte) bool {
		if len(m) < 4 {
			return true
		}
		attrs, err := nl.ParseRouteAttr(m[4:])
		if err != nil {
			return true
		}
		for _, a := range attrs {
			if a.Attr.Type&^unix.NLA_F_NESTED == unix.NFTA_RULE_USERDATA {
				if bytes.Equal(a.Value, tag) {
					found++
				} else {
					other++
				}
			}
		}
		return true
	})
	if errors.Is(err, unix.ENOENT) {
		return false, nil // no table or no chain yet
	}
	if err != nil {
		return false, fmt.Errorf("nftables: list chain postrouting of table %s: %w", TableName, err)
	}
	return found == n && other == 0, nil
}

// nfgenmsg is nfnetlink's header (family, version, resource id), which
// comes before the attributes (the library's raw data goes after them).
type nfgenmsg [4]byte

func (m nfgenmsg) Len() int          { return len(m) }
func (m nfgenmsg) Serialize() []byte { return m[:] }
