package cgroups

import (
	"reflect"
	"strings"
	"testing"
)

// exec --cgroup's paths stay below the container's cgroup: ".." that
// climbs out of it is refused, whatever form it takes.
func TestSubCgroupNeverLeavesContainer(t *testing.T) {
	for _, bad := range []string{"..", "../x", "a/../..", "memory:../x", "pids:a/../../b", "sub/../../.."} {
		if _, err := ParseSubCgroups([]string{bad}); err == nil || !strings.Contains(err.Error(), "leaves") {
			t.Errorf("--cgroup %q: %v, want refused as leaving the container's cgroup", bad, err)
		}
	}
	for arg, want := range map[string]string{"sub": "sub", "/sub": "sub", "a/../b": "b", "/": ".", "/..": ".", "/../../x": "x", "x/./y/": "x/y"} {
		got, err := ParseSubCgroups([]string{arg})
		if err != nil || got[""] != want {
			t.Errorf("--cgroup %q: %v %v, want %q", arg, got, err, want)
		}
	}
}

func TestParseSubCgroupsForms(t *testing.T) {
	got, err := ParseSubCgroups([]string{"cpu,cpuacct:a", "memory:b"})
	if err != nil || !reflect.DeepEqual(got, map[string]string{"cpu": "a", "cpuacct": "a", "memory": "b"}) {
		t.Errorf("controller forms: %v %v", got, err)
	}
	for _, bad := range [][]string{{"a", "memory:b"}, {"memory:a", "memory:b"}, {":a"}, {"memory,:a"}, {""}, {"memory:"}, {"a:b:c"}} {
		if _, err := ParseSubCgroups(bad); err == nil {
			t.Errorf("--cgroup %q: accepted", bad)
		}
	}
}

func TestSubDirs(t *testing.T) {
	m, err := newV1(hostFS{}, V1Mounts{"memory": "/m", "cpu": "/cc", "cpuacct": "/cc", "pids": "/p"}, "mycontainer/c", Resources{})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"s"}, []string{"/cc/mycontainer/c/s", "/m/mycontainer/c/s", "/p/mycontainer/c/s"}},
		// A co-mounted controller follows the one named.
		{[]string{"cpu:s"}, []string{"/cc/mycontainer/c/s", "/m/mycontainer/c", "/p/mycontainer/c"}},
		{[]string{"memory:s", "pids:t"}, []string{"/cc/mycontainer/c", "/m/mycontainer/c/s", "/p/mycontainer/c/t"}},
	} {
		subs, err := ParseSubCgroups(c.args)
		if err != nil {
			t.Fatal(err)
		}
		got, err := SubDirs(m, Legacy, subs)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%v: %v %v, want %v", c.args, got, err, c.want)
		}
	}
	for _, bad := range [][]string{{"cpu:a", "cpuacct:b"}, {"blkio:a"}} {
		subs, _ := ParseSubCgroups(bad)
		if _, err := SubDirs(m, Legacy, subs); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
	v2 := newV2(hostFS{}, "/u", "mycontainer/c", Resources{})
	if got, err := SubDirs(v2, Unified, map[string]string{"": "s"}); err != nil || !reflect.DeepEqual(got, []string{"/u/mycontainer/c/s"}) {
		t.Errorf("v2: %v %v", got, err)
	}
	if _, err := SubDirs(v2, Unified, map[string]string{"memory": "s"}); err == nil || !strings.Contains(err.Error(), "one hierarchy") {
		t.Errorf("v2 with a controller: %v", err)
	}
}
