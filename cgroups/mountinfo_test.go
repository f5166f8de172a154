package cgroups

import (
	"strings"
	"testing"
)

// This project's build host: every v1 controller alone, cpu and cpuacct
// included, and cgroup2 at unified.
const hybridMountinfo = `22 1 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`

// A typical systemd host: co-mounted controllers, optional fields, extra
// options, a bind mount of a hierarchy later, and a path with a space.
const systemdMountinfo = `25 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 rw,nsdelegate
27 25 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:11 - cgroup cgroup rw,xattr,name=systemd
30 25 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,cpu,cpuacct
31 25 0:28 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,net_cls,net_prio
32 25 0:29 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 master:3 - cgroup cgroup rw,memory
33 25 0:30 / /sys/fs/cgroup/my\040pids rw,relatime shared:17 - cgroup cgroup rw,pids
90 80 0:29 / /var/lib/other/memory rw,relatime - cgroup cgroup rw,memory
`

func TestParseMountinfoHybrid(t *testing.T) {
	m, err := parseMountinfo(strings.NewReader(hybridMountinfo))
	if err != nil {
		t.Fatal(err)
	}
	want := V1Mounts{
		"cpu": "/sys/fs/cgroup/cpu", "cpuacct": "/sys/fs/cgroup/cpuacct", "cpuset": "/sys/fs/cgroup/cpuset",
		"memory": "/sys/fs/cgroup/memory", "devices": "/sys/fs/cgroup/devices", "freezer": "/sys/fs/cgroup/freezer",
		"blkio": "/sys/fs/cgroup/blkio", "pids": "/sys/fs/cgroup/pids",
	}
	if len(m) != len(want) {
		t.Errorf("got %v", m)
	}
	for c, p := range want {
		if m[c] != p {
			t.Errorf("%s: got %q, want %q", c, m[c], p)
		}
	}
}

func TestParseMountinfoSystemd(t *testing.T) {
	m, err := parseMountinfo(strings.NewReader(systemdMountinfo))
	if err != nil {
		t.Fatal(err)
	}
	// net_cls and net_prio carry linux.resources.network.
	want := V1Mounts{"cpu": "/sys/fs/cgroup/cpu,cpuacct", "cpuacct": "/sys/fs/cgroup/cpu,cpuacct",
		"memory": "/sys/fs/cgroup/memory", "pids": "/sys/fs/cgroup/my pids",
		"net_cls": "/sys/fs/cgroup/net_cls,net_prio", "net_prio": "/sys/fs/cgroup/net_cls,net_prio"}
	if len(m) != len(want) {
		t.Errorf("got %v", m)
	}
	for c, p := range want {
		if m[c] != p {
			t.Errorf("%s: got %q, want %q", c, m[c], p)
		}
	}
}

func TestParseMountinfoMalformed(t *testing.T) {
	for _, in := range []string{
		"31 23 0:28 / /sys/fs/cgroup rw,relatime tmpfs tmpfs rw\n", // no separator
		"31 23 0:28 / /x rw - cgroup\n",                            // truncated after it
		"1 2 3\n",
		`33 25 0:30 / /a\04 rw - cgroup cgroup rw,pids` + "\n", // truncated escape
	} {
		if _, err := parseMountinfo(strings.NewReader(in)); err == nil {
			t.Errorf("accepted %q", in)
		}
	}
}
