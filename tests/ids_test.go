package tests

import (
	"strings"
	"testing"

	"mycontainer/state"
)

// Attack: an ID the state store took but the cgroup name refused ('+',
// or up to 1024 bytes): create failed half-way with a cgroup error. One
// rule now: "a+b" works end to end, and a too-long ID is refused before
// anything exists, with the rule in the error.
func TestContainerIDOneRule(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "a+b", []string{"true"}, nil) // cgroup <parent>/a+b
	before := snapshot(t)
	if r := e.oci(t, "create", "--bundle", b, "a+b"); r.code != 0 {
		t.Fatalf("create a+b: exit %d, %q", r.code, r.stderr)
	}
	if r := e.oci(t, "delete", "--force", "a+b"); r.code != 0 {
		t.Errorf("delete a+b: exit %d, %q", r.code, r.stderr)
	}
	long := strings.Repeat("x", 201)
	r := e.oci(t, "create", "--bundle", b, long)
	if r.code != 1 || !strings.Contains(r.stderr, state.NameRule) {
		t.Errorf("create with a 201-byte id: exit %d, stderr %q; want 1 and the rule", r.code, r.stderr)
	}
	before.assertClean(t, "")
}
