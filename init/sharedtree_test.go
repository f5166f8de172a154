package containerinit

import (
	"testing"

	"mycontainer/nsexec"
)

func TestCheckSharedTree(t *testing.T) {
	shared := func(m ...nsexec.Mount) *nsexec.Bootstrap { return &nsexec.Bootstrap{RootChroot: true, Mounts: m} }
	ok := []struct {
		bs *nsexec.Bootstrap
		x  *Extras
	}{
		{&nsexec.Bootstrap{Mounts: []nsexec.Mount{{Target: "/proc"}}}, &Extras{ReadonlyRoot: true}}, // own namespace
		{shared(), nil},
		{shared(), &Extras{Sysctl: []Sysctl{{Key: "a", Value: "b"}}}},
	}
	for i, c := range ok {
		if err := checkSharedTree(c.bs, c.x); err != nil {
			t.Errorf("case %d: %v", i, err)
		}
	}
	bad := []struct {
		bs *nsexec.Bootstrap
		x  *Extras
	}{
		{shared(nsexec.Mount{Target: "/proc"}), nil},
		{shared(), &Extras{MaskedPaths: []string{"/x"}}},
		{shared(), &Extras{ReadonlyPaths: []string{"/x"}}},
		{shared(), &Extras{Devices: []Device{{Path: "/dev/null"}}}},
		{shared(), &Extras{ReadonlyRoot: true}},
		{shared(), &Extras{ReadonlyDev: true}},
		{shared(), &Extras{RootPropagation: 1}},
	}
	for i, c := range bad {
		if err := checkSharedTree(c.bs, c.x); err == nil {
			t.Errorf("case %d: accepted", i)
		}
	}
}
