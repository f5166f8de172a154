package rootfs

import (
	"fmt"
	"reflect"
	"testing"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// planStep names a step compactly: kind, fstype and target.
func planStep(m nsexec.Mount) string {
	switch m.Kind {
	case nsexec.MountFS:
		return m.FSType + " " + m.Target
	case nsexec.MountBind:
		return fmt.Sprintf("bind[%d] %s", m.BindIdx, m.Target)
	case nsexec.MountDevices:
		return "devices " + m.Target
	case nsexec.MountSetattr:
		return "setattr " + m.Target
	}
	return fmt.Sprintf("kind%d %s", m.Kind, m.Target)
}

func planSteps(ms []nsexec.Mount) []string {
	var out []string
	for _, m := range ms {
		out = append(out, planStep(m))
	}
	return out
}

var baseSteps = []string{
	"proc /proc",
	"tmpfs /dev",
	"devices /dev",
	"devpts /dev/pts",
	"tmpfs /dev/shm",
	"mqueue /dev/mqueue",
	"sysfs /sys",
}

func TestPlanOrder(t *testing.T) {
	vols := []Volume{
		{Source: "/host/data", Target: "/data", ReadOnly: true},
		{Source: "/host/hosts", Target: "/etc/hosts", File: true},
		{Source: "/host/dev-thing", Target: "/dev/thing"},
	}
	for _, tc := range []struct {
		name string
		o    PlanOptions
		want []string
	}{
		{"bare", PlanOptions{}, append(baseSteps[:len(baseSteps):len(baseSteps)], "tmpfs /tmp")},
		{"host root", PlanOptions{HostRoot: true},
			append(baseSteps[:len(baseSteps):len(baseSteps)], "tmpfs /tmp", "tmpfs /run")},
		{"unified", PlanOptions{Cgroup: &CgroupLayout{Unified: true}},
			append(baseSteps[:len(baseSteps):len(baseSteps)], "cgroup2 /sys/fs/cgroup", "tmpfs /tmp")},
		{"v1", PlanOptions{Cgroup: &CgroupLayout{V1: []string{"cpu,cpuacct", "memory"}}},
			append(baseSteps[:len(baseSteps):len(baseSteps)],
				"tmpfs /sys/fs/cgroup",
				"cgroup /sys/fs/cgroup/cpu,cpuacct",
				"cgroup /sys/fs/cgroup/memory",
				"setattr /sys/fs/cgroup",
				"tmpfs /tmp")},
		{"hybrid", PlanOptions{Cgroup: &CgroupLayout{V1: []string{"pids"}, Hybrid: true}},
			append(baseSteps[:len(baseSteps):len(baseSteps)],
				"tmpfs /sys/fs/cgroup",
				"cgroup /sys/fs/cgroup/pids",
				"cgroup2 /sys/fs/cgroup/unified",
				"setattr /sys/fs/cgroup",
				"tmpfs /tmp")},
		{"volumes last, in order", PlanOptions{HostRoot: true, Volumes: vols},
			append(baseSteps[:len(baseSteps):len(baseSteps)], "tmpfs /tmp", "tmpfs /run",
				"bind[0] /data", "bind[1] /etc/hosts", "bind[2] /dev/thing")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			mounts, _ := Plan(tc.o)
			if got := planSteps(mounts); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("plan\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestPlanVolumes(t *testing.T) {
	vols := []Volume{
		{Source: "/host/a", Target: "/a", ReadOnly: true},
		{Source: "/host/f", Target: "/etc/f", File: true},
		{Source: "/host/a", Target: "/b"}, // the same source twice is two binds
	}
	mounts, sources := Plan(PlanOptions{Volumes: vols})
	if want := []string{"/host/a", "/host/f", "/host/a"}; !reflect.DeepEqual(sources, want) {
		t.Fatalf("bind sources %q, want %q", sources, want)
	}
	binds := mounts[len(mounts)-len(vols):]
	for i, m := range binds {
		v := vols[i]
		if m.Kind != nsexec.MountBind || sources[m.BindIdx] != v.Source || m.Target != v.Target || m.File != v.File {
			t.Errorf("bind step %d = %+v, for volume %+v", i, m, v)
		}
		if wantAttr := map[bool]uint64{true: unix.MOUNT_ATTR_RDONLY}[v.ReadOnly]; m.Attr != wantAttr {
			t.Errorf("bind step %d attr %#x, want %#x", i, m.Attr, wantAttr)
		}
		// A user's volume target may be a symlink inside the rootfs (it
		// is resolved in the root), unlike the runtime's own targets.
		if m.NoFollow {
			t.Errorf("bind step %d is NoFollow", i)
		}
	}
	if _, sources := Plan(PlanOptions{}); sources != nil {
		t.Errorf("no volumes, bind sources %q", sources)
	}
}

func TestPlanStepContent(t *testing.T) {
	mounts, _ := Plan(PlanOptions{HostRoot: true, Cgroup: &CgroupLayout{V1: []string{"memory"}, Hybrid: true}})
	byTarget := map[string]nsexec.Mount{}
	for _, m := range mounts {
		if !m.NoFollow {
			t.Errorf("runtime step %q is not NoFollow", planStep(m))
		}
		if m.Kind == nsexec.MountFS && (m.Source != m.FSType || m.FSType == "") {
			t.Errorf("step %q: source %q, fstype %q", planStep(m), m.Source, m.FSType)
		}
		if m.Kind == nsexec.MountFS && m.Target != "/dev" {
			// Only /dev may hold device nodes.
			if m.Attr&unix.MOUNT_ATTR_NODEV == 0 && m.FSType != "devpts" {
				t.Errorf("step %q lacks nodev: attr %#x", planStep(m), m.Attr)
			}
		}
		if m.Attr&unix.MOUNT_ATTR_NOSUID == 0 && m.Kind == nsexec.MountFS {
			t.Errorf("step %q lacks nosuid: attr %#x", planStep(m), m.Attr)
		}
		if m.Kind == nsexec.MountFS {
			byTarget[m.Target] = m
		}
	}
	for target, want := range map[string]struct {
		data string
		attr uint64
	}{
		"/proc":                  {"", nosuidNodevNoexec},
		"/dev":                   {"mode=755,size=65536k", unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_STRICTATIME},
		"/dev/pts":               {"newinstance,ptmxmode=0666,mode=0620,gid=5", unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NOEXEC},
		"/dev/shm":               {"mode=1777,size=65536k", nosuidNodevNoexec},
		"/sys":                   {"", nosuidNodevNoexec | unix.MOUNT_ATTR_RDONLY},
		"/sys/fs/cgroup":         {"mode=755", nosuidNodevNoexec},
		"/sys/fs/cgroup/memory":  {"memory", nosuidNodevNoexec | unix.MOUNT_ATTR_RDONLY},
		"/sys/fs/cgroup/unified": {"", nosuidNodevNoexec | unix.MOUNT_ATTR_RDONLY},
		"/tmp":                   {"mode=1777", unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV},
		"/run":                   {"mode=755", unix.MOUNT_ATTR_NOSUID | unix.MOUNT_ATTR_NODEV},
	} {
		m, ok := byTarget[target]
		if !ok {
			t.Errorf("no step for %s", target)
			continue
		}
		if m.Data != want.data || m.Attr != want.attr {
			t.Errorf("%s: data %q attr %#x, want %q %#x", target, m.Data, m.Attr, want.data, want.attr)
		}
	}
	// The v1 tmpfs is made read-only last, once every hierarchy is on it.
	last := mounts[len(mounts)-3] // then /tmp and /run
	if last.Kind != nsexec.MountSetattr || last.Target != "/sys/fs/cgroup" || last.Attr != unix.MOUNT_ATTR_RDONLY {
		t.Errorf("step before /tmp is %+v, want a read-only setattr of /sys/fs/cgroup", last)
	}
}

func TestPlanUnifiedCgroupIsReadOnly(t *testing.T) {
	mounts, _ := Plan(PlanOptions{Cgroup: &CgroupLayout{Unified: true}})
	for _, m := range mounts {
		if m.Target == "/sys/fs/cgroup" {
			if m.FSType != "cgroup2" || m.Attr&unix.MOUNT_ATTR_RDONLY == 0 || !m.NoFollow {
				t.Errorf("cgroup2 step %+v: want a read-only, NoFollow cgroup2", m)
			}
			return
		}
	}
	t.Error("no /sys/fs/cgroup step")
}
