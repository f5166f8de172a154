package container

import (
	"testing"

	"mycontainer/cgroups"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestDeviceRulesFromSpec(t *testing.T) {
	n := func(v int64) *int64 { return &v }
	got, err := deviceRules([]specs.LinuxDeviceCgroup{
		{Allow: false, Access: "rwm"},
		{Allow: true, Type: "c", Major: n(1), Minor: n(3), Access: "rw"},
		{Allow: true, Type: "b", Major: n(8), Minor: n(-1)},
		{Allow: false, Type: "a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a", "c 1:3 rw", "b 8:* rwm", "a"}
	allow := []bool{false, true, true, false}
	if len(got) != len(want) {
		t.Fatalf("got %d rules, want %d", len(got), len(want))
	}
	for i, r := range got {
		if r.String() != want[i] || r.Allow != allow[i] {
			t.Errorf("rule %d: %v %q, want %v %q", i, r.Allow, r, allow[i], want[i])
		}
	}
	if got[0].Major != cgroups.AnyDevice || got[0].Minor != cgroups.AnyDevice {
		t.Errorf("an absent major/minor must be AnyDevice: %+v", got[0])
	}
	if _, err := deviceRules([]specs.LinuxDeviceCgroup{{Type: "u"}}); err == nil {
		t.Error("type u accepted")
	}
}
