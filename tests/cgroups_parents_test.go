package tests

import (
	"slices"
	"testing"

	"mycontainer/cgroups"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A cgroupsPath (or --cgroup-parent) with levels that do not exist yet
// makes them; when the container goes they go too, in every hierarchy,
// unless they existed before (an engine's own parent) or another
// container still uses them. Before, `run --bundle` with
// "P/made/inner/ctr" left P/made and P/made/inner behind for good.
func TestCgroupParentsMadeAreRemoved(t *testing.T) {
	e := newOCIEnv(t)
	mode := cgroupMode(t)
	m := marker()
	children := func() []string { return childCgroups(t, e.parent) }

	// Levels this container made: gone after it.
	b := e.bundle(t, "made", []string{"true"}, func(s *specs.Spec) {
		s.Linux.CgroupsPath = "/" + e.parent + "/made-" + m + "/inner/ctr"
	})
	if r := e.oci(t, "run", "--bundle", b, "made"); r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	if c := children(); slices.Contains(c, "made-"+m) {
		t.Errorf("the parents the container made were left: %v under %s", c, e.parent)
	}

	// A parent that existed before stays (as a pod's cgroup must).
	keep, err := cgroups.New(mode, e.parent, "keep-"+m, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := keep.Create(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = keep.Destroy() })
	b = e.bundle(t, "kept", []string{"true"}, func(s *specs.Spec) {
		s.Linux.CgroupsPath = "/" + e.parent + "/keep-" + m + "/ctr"
	})
	if r := e.oci(t, "run", "--bundle", b, "kept"); r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	if c := children(); !slices.Contains(c, "keep-"+m) {
		t.Errorf("a parent that existed before the container was removed: %v under %s", c, e.parent)
	}

	// The friendly run's --cgroup-parent: the same.
	r := run(t, "run", "--cgroup-parent", e.parent+"/friendly-"+m+"/x", "--rootfs", rootfs, "true")
	if r.code != 0 {
		t.Fatalf("run --cgroup-parent: exit %d: %s", r.code, r.stderr)
	}
	if c := children(); slices.Contains(c, "friendly-"+m) {
		t.Errorf("--cgroup-parent levels the run made were left: %v under %s", c, e.parent)
	}
}
