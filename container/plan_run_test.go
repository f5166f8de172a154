package container

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"mycontainer/nsexec"
	"mycontainer/rootfs"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// `run`'s in-memory spec plans to the steps `run` always had: the runtime's
// own targets are NoFollow, /dev gets its nodes right after its tmpfs, a
// cgroup mount becomes the layout, volumes are binds in order.
func TestPlanRunSteps(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s := &specs.Spec{Root: &specs.Root{Path: "/"}, Process: &specs.Process{Args: []string{"sh"}, Cwd: "/"},
		Mounts: rootfs.DefaultMounts(true, []rootfs.Volume{{Source: dir, Target: "/d", ReadOnly: true}, {Source: file, Target: "/etc/f"}}),
		Linux:  &specs.Linux{Namespaces: []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.MountNamespace}, {Type: specs.CgroupNamespace}}}}
	bs, err := PlanRun(s, seccompIn{}, &rootfs.CgroupLayout{Unified: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range bs.Mounts {
		got = append(got, fmt.Sprintf("%d %s %s %v", m.Kind, m.FSType, m.Target, m.NoFollow))
	}
	want := []string{
		fmt.Sprintf("%d proc /proc true", nsexec.MountFS), fmt.Sprintf("%d tmpfs /dev true", nsexec.MountFS),
		fmt.Sprintf("%d  /dev true", nsexec.MountDevices), fmt.Sprintf("%d devpts /dev/pts true", nsexec.MountFS),
		fmt.Sprintf("%d tmpfs /dev/shm true", nsexec.MountFS), fmt.Sprintf("%d mqueue /dev/mqueue true", nsexec.MountFS),
		fmt.Sprintf("%d sysfs /sys true", nsexec.MountFS), fmt.Sprintf("%d cgroup2 /sys/fs/cgroup true", nsexec.MountFS),
		fmt.Sprintf("%d tmpfs /tmp true", nsexec.MountFS), fmt.Sprintf("%d tmpfs /run true", nsexec.MountFS),
		fmt.Sprintf("%d  /d false", nsexec.MountBind), fmt.Sprintf("%d  /etc/f false", nsexec.MountBind),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("steps:\n%v\nwant\n%v", got, want)
	}
	if len(bs.BindSources) != 2 || bs.BindSources[0] != dir || !bs.Mounts[11].File || bs.Mounts[11].BindIdx != 1 {
		t.Errorf("binds %v, last %+v", bs.BindSources, bs.Mounts[11])
	}
	if bs.Extras != nil {
		t.Errorf("`run` sends no extras, got %s", bs.Extras)
	}
}
