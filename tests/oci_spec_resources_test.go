package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mycontainer/cgroups"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// blockDevice is a real block device's major:minor (not a loop or zram),
// for throttles the kernel accepts only on existing devices.
func blockDevice(t *testing.T) (int64, int64, string) {
	t.Helper()
	ents, _ := os.ReadDir("/sys/block")
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "loop") || strings.HasPrefix(e.Name(), "zram") || strings.HasPrefix(e.Name(), "ram") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/sys/block", e.Name(), "dev"))
		if err != nil {
			continue
		}
		var maj, min int64
		if _, err := fmt.Sscanf(strings.TrimSpace(string(b)), "%d:%d", &maj, &min); err == nil {
			return maj, min, strings.TrimSpace(string(b))
		}
	}
	t.Skip("no block device to throttle")
	return 0, 0, ""
}

// config-linux.md's resource fields that are one cgroup file each are
// applied where the host has the file, on v1 and v2, and refused naming
// the field where it does not.
func TestSpecResourcesApplied(t *testing.T) {
	e := newOCIEnv(t)
	maj, min, dev := blockDevice(t)
	unified := cgroupMode(t) == cgroups.Unified
	b := e.bundle(t, "res10", []string{"sleep", "100"}, func(s *specs.Spec) {
		r := &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
			ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: maj, Minor: min}, Rate: 1048576}},
			ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: specs.LinuxBlockIODevice{Major: maj, Minor: min}, Rate: 100}},
		}}
		if !unified {
			sw, tcp, off := uint64(10), int64(64<<20), true
			r.Memory = &specs.LinuxMemory{Swappiness: &sw, KernelTCP: &tcp, DisableOOMKiller: &off}
		}
		s.Linux.Resources = r
	})
	if r := e.oci(t, "run", "-d", "--bundle", b, "res10"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	defer e.oci(t, "delete", "--force", "res10")
	read := func(ctrl, file string) string {
		dir := filepath.Join("/sys/fs/cgroup", ctrl, e.parent, "res10")
		if unified {
			dir = filepath.Join("/sys/fs/cgroup", e.parent, "res10")
		}
		b, err := os.ReadFile(filepath.Join(dir, file))
		if err != nil {
			t.Errorf("read %s: %v", file, err)
		}
		return string(b)
	}
	if unified {
		if got := read("", "io.max"); !strings.Contains(got, dev+" rbps=1048576") || !strings.Contains(got, "wiops=100") {
			t.Errorf("io.max: %q", got)
		}
	} else {
		if got := read("blkio", "blkio.throttle.read_bps_device"); !strings.Contains(got, dev+" 1048576") {
			t.Errorf("read_bps_device: %q", got)
		}
		if got := read("blkio", "blkio.throttle.write_iops_device"); !strings.Contains(got, dev+" 100") {
			t.Errorf("write_iops_device: %q", got)
		}
		if got := read("memory", "memory.swappiness"); strings.TrimSpace(got) != "10" {
			t.Errorf("memory.swappiness: %q", got)
		}
		if got := read("memory", "memory.oom_control"); !strings.Contains(got, "oom_kill_disable 1") {
			t.Errorf("memory.oom_control: %q", got)
		}
		if got := read("memory", "memory.kmem.tcp.limit_in_bytes"); strings.TrimSpace(got) != "67108864" {
			t.Errorf("memory.kmem.tcp.limit_in_bytes: %q", got)
		}
	}

	// net_cls: applied where mounted, refused naming the field elsewhere
	// (v2 has no net_cls at all).
	id := uint32(0x100001)
	b = e.bundle(t, "net10", []string{"true"}, func(s *specs.Spec) {
		s.Linux.Resources = &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: &id}}
	})
	r := e.oci(t, "run", "--bundle", b, "net10")
	if _, err := os.Stat("/sys/fs/cgroup/net_cls"); err != nil || unified {
		if r.code == 0 || !strings.Contains(r.stderr, "linux.resources.network") {
			t.Errorf("network without net_cls: exit %d %q, want a refusal naming the field", r.code, r.stderr)
		}
	} else if r.code != 0 {
		t.Errorf("network with net_cls mounted: %s", r.stderr)
	}
	// hugetlb: applied where the controller is, refused naming it elsewhere.
	b = e.bundle(t, "huge10", []string{"true"}, func(s *specs.Spec) {
		s.Linux.Resources = &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}}
	})
	if r := e.oci(t, "run", "--bundle", b, "huge10"); r.code != 0 && !strings.Contains(r.stderr, "linux.resources.hugepageLimits[0]") {
		t.Errorf("hugepageLimits: exit %d %q: a refusal must name the field", r.code, r.stderr)
	}
}

// Issue 10 point 12. On a hybrid host the container joins the v2
// unified hierarchy too (its 0:: line names its cgroup, as with runc);
// a second container put into a cgroup that already holds processes
// gets a warning; update applies or refuses every field it is given.
func TestSpecCgroupHybridSharedAndUpdate(t *testing.T) {
	e := newOCIEnv(t)
	mode := cgroupMode(t)
	b := e.bundle(t, "hy", []string{"sleep", "100"}, nil)
	if r := e.oci(t, "run", "-d", "--bundle", b, "hy"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	defer e.oci(t, "delete", "--force", "hy")
	cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", e.statePid(t, "hy")))
	if err != nil {
		t.Fatal(err)
	}
	if mode != cgroups.Legacy && !strings.Contains(string(cg), "0::/"+e.parent+"/hy\n") {
		t.Errorf("not in its cgroup of the v2 hierarchy: %q", cg)
	}

	// update with the realtime budget: written on v1, refused on v2,
	// never dropped.
	res := filepath.Join(t.TempDir(), "rt.json")
	if err := os.WriteFile(res, []byte(`{"cpu":{"realtimePeriod":500000,"realtimeRuntime":0}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.oci(t, "update", "--resources", res, "hy")
	if mode == cgroups.Unified {
		if r.code == 0 || !strings.Contains(r.stderr, "realtime") {
			t.Errorf("update realtime on v2: exit %d %q, want a refusal naming it", r.code, r.stderr)
		}
	} else if r.code != 0 {
		t.Errorf("update realtime: %s", r.stderr)
	} else if got, _ := os.ReadFile(filepath.Join("/sys/fs/cgroup/cpu", e.parent, "hy", "cpu.rt_period_us")); strings.TrimSpace(string(got)) != "500000" {
		t.Errorf("cpu.rt_period_us after update: %q", got)
	}

	// The same cgroupsPath again: the cgroup holds hy's processes.
	b2 := e.bundle(t, "hy2", []string{"sleep", "100"}, func(s *specs.Spec) { s.Linux.CgroupsPath = "/" + e.parent + "/hy" })
	r = e.oci(t, "create", "--bundle", b2, "hy2")
	defer e.oci(t, "delete", "--force", "hy2")
	if r.code != 0 || !strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, "already holds") {
		t.Errorf("create into a populated cgroup: exit %d %q, want success with a warning", r.code, r.stderr)
	}
	// delete --force hy2 kills what is in the shared cgroup: hy too.
}
