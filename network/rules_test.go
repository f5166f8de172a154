package network

import (
	"net/netip"
	"testing"

	"mycontainer/netrun"
)

// The runtime checks the table by counting the bridge's rules: the count
// it expects must be the one made here.
func TestBridgeRuleCount(t *testing.T) {
	if n := len(masqueradeRules(netip.MustParsePrefix("10.88.0.0/16"), nil)); n != netrun.BridgeRules {
		t.Fatalf("masqueradeRules makes %d rules, netrun.BridgeRules says %d", n, netrun.BridgeRules)
	}
}
