package cgroups

import (
	"strings"
	"testing"

	"mycontainer/state"
)

// Attack: an ID the state store accepts but the cgroup name refuses (it
// allowed '+' and 1024 bytes, the cgroup side neither), so create failed
// half-way, or the other way round. One rule must give one answer.
func TestContainerIDRuleMatchesStateStore(t *testing.T) {
	ids := []string{"a", "a+b", "A-b_c.d", "0123", ".hidden", "...", "-x", "a/b", "a:b", "",
		strings.Repeat("x", 200), strings.Repeat("x", 201), strings.Repeat("x", 1024)}
	for _, id := range ids {
		serr := state.ValidID(id)
		_, cerr := relPath("mycontainer", id)
		if (serr == nil) != (cerr == nil) {
			t.Errorf("id %.20q: state store says %v, cgroup name says %v", id, serr, cerr)
		}
		if cerr != nil && !strings.Contains(cerr.Error(), state.NameRule) {
			t.Errorf("id %.20q: error %q does not state the rule", id, cerr)
		}
	}
}
