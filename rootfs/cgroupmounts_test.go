package rootfs

import (
	"reflect"
	"testing"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

func targets(ms []nsexec.Mount) []string {
	var out []string
	for _, m := range ms {
		out = append(out, m.FSType+" "+m.Target)
	}
	return out
}

// Every layout ends read-only; v1 and hybrid build a tmpfs of hierarchies
// and make it read-only last.
func TestCgroupMountsLayouts(t *testing.T) {
	if got := targets(CgroupMounts(&CgroupLayout{Unified: true})); !reflect.DeepEqual(got, []string{"cgroup2 /sys/fs/cgroup"}) {
		t.Errorf("unified: %v", got)
	}
	ms := CgroupMounts(&CgroupLayout{V1: []string{"cpu,cpuacct", "memory"}, Hybrid: true})
	want := []string{"tmpfs /sys/fs/cgroup", "cgroup /sys/fs/cgroup/cpu,cpuacct", "cgroup /sys/fs/cgroup/memory",
		"cgroup2 /sys/fs/cgroup/unified", " /sys/fs/cgroup"}
	if got := targets(ms); !reflect.DeepEqual(got, want) {
		t.Errorf("hybrid: %v, want %v", got, want)
	}
	last := ms[len(ms)-1]
	if last.Kind != nsexec.MountSetattr || last.Attr != unix.MOUNT_ATTR_RDONLY {
		t.Errorf("last step %+v: want a read-only setattr", last)
	}
	for _, m := range ms[1 : len(ms)-1] {
		if m.Attr&unix.MOUNT_ATTR_RDONLY == 0 || !m.NoFollow || m.Data != m.Target[len("/sys/fs/cgroup/"):] && m.FSType == "cgroup" {
			t.Errorf("hierarchy %+v: want read-only, NoFollow, options = its controllers", m)
		}
	}
	if CgroupMounts(nil) != nil {
		t.Error("nil layout must add nothing")
	}
}

// DefaultMounts: /proc first, /dev before /dev/pts, /run only for the host
// root, volumes last and in order.
func TestDefaultMountsOrder(t *testing.T) {
	ms := DefaultMounts(true, []Volume{{Source: "/a", Target: "/x", ReadOnly: true}, {Source: "/b", Target: "/y"}})
	var got []string
	for _, m := range ms {
		got = append(got, m.Destination)
	}
	want := []string{"/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup", "/tmp", "/run", "/x", "/y"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if ms[9].Type != "bind" || !reflect.DeepEqual(ms[9].Options, []string{"rbind", "rro"}) {
		t.Errorf("read-only volume: %+v", ms[9])
	}
	if len(DefaultMounts(false, nil)) != 8 {
		t.Error("without the host root there is no /run")
	}
}
