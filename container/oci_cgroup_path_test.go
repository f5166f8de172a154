package container

import (
	"testing"

	"mycontainer/cgroups"
)

// config-linux.md: an absolute cgroupsPath is relative to the mount
// point; a relative one is the runtime's choice (under mycontainer/).
func TestCgroupPathBases(t *testing.T) {
	for _, c := range []struct{ in, parent, leaf string }{
		{"", cgroups.DefaultParent, "id"},
		{"/one", cgroups.RootParent, "one"},
		{"/a/b", "a", "b"},
		{"/a/b/c", "a/b", "c"},
		{"rel", cgroups.DefaultParent, "rel"},
		{"x/y", cgroups.DefaultParent + "/x", "y"},
	} {
		p, l := cgroupPath(c.in, "id")
		if p != c.parent || l != c.leaf {
			t.Errorf("cgroupPath(%q) = %q, %q; want %q, %q", c.in, p, l, c.parent, c.leaf)
		}
	}
}
