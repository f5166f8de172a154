package netrun

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// tableReady reports whether our table holds the bridge's masquerade
// rules for subnet, as mycontainer-net made them: n rules of the
// postrouting chain tagged for it, and no other. One dump request, read
// for the tags only; making or mending the table is mycontainer-net's
// (the nftables library, whose init and size the runtime's binary does
// without).
func tableReady(subnet netip.Prefix, n int) (bool, error) {
	tag := BridgeRuleTag(subnet)
	found, other := 0, 0
	err := dumpRules("postrouting", func(typ uint16, v []byte) {
		if typ == unix.NFTA_RULE_USERDATA {
			if bytes.Equal(v, tag) {
				found++
			} else {
				other++
			}
		}
	})
	if errors.Is(err, unix.ENOENT) {
		return false, nil // no table or no chain yet
	}
	if err != nil {
		return false, fmt.Errorf("nftables: list chain postrouting of table %s: %w", TableName, err)
	}
	return found == n && other == 0, nil
}

// dumpRules calls f with every attribute of every rule of our table's
// chain (one dump request), and with typ 0 after each rule's last.
// ENOENT: no such table or chain.
func dumpRules(chain string, f func(typ uint16, v []byte)) error {
	s, err := openNetlink(unix.NETLINK_NETFILTER)
	if err != nil {
		return err
	}
	defer s.close()
	return s.dump(message(nftSub|unix.NFT_MSG_GETRULE, unix.NLM_F_DUMP, nfgenmsg(unix.AF_INET),
		str(unix.NFTA_RULE_TABLE, TableName),
		str(unix.NFTA_RULE_CHAIN, chain)),
		func(typ uint16, data []byte) {
			if typ != nftSub|unix.NFT_MSG_NEWRULE || len(data) < 4 {
				return
			}
			parseAttrs(data[4:], f)
			f(0, nil)
		})
}

// nfgenmsg is nfnetlink's fixed header: family, version, resource id.
func nfgenmsg(family byte) []byte { return []byte{family, unix.NFNETLINK_V0, 0, 0} }
