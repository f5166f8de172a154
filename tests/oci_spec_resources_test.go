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
// for throttles the kernel accepts only on existing devices; ok is false
// where there is none (the v2 VM runs from an initramfs).
func blockDevice() (maj, min int64, dev string, ok bool) {
	ents, _ := os.ReadDir("/sys/block")
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "loop") || strings.HasPrefix(e.Name(), "zram") || strings.HasPrefix(e.Name(), "ram") {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/sys/block", e.Name(), "dev"))
		if err != nil {
			continue
		}
		dev = strings.TrimSpace(string(b))
		if _, err := fmt.Sscanf(dev, "%d:%d", &maj, &min); err == nil {
			return maj, min, dev, true
		}
	}
	return 0, 0, "", false
}

// cgroupFile reads a file of the container id's cgroup (v1: under ctrl).
func (e *ociEnv) cgroupFile(t *testing.T, id, ctrl, file string) string {
	t.Helper()
	dir := filepath.Join("/sys/fs/cgroup", ctrl, e.parent, id)
	if cgroupMode(t) == cgroups.Unified {
		dir = filepath.Join("/sys/fs/cgroup", e.parent, id)
	}
	b, err := os.ReadFile(filepath.Join(dir, file))
	if err != nil {
		t.Errorf("read %s: %v", file, err)
	}
	return string(b)
}

// config-linux.md's resource fields that are one cgroup file each are
// applied where the host has the file, on v1 and v2, and refused naming
// the field where it does not.
func TestSpecResourcesApplied(t *testing.T) {
	e := newOCIEnv(t)
	unified := cgroupMode(t) == cgroups.Unified
	if maj, min, dev, ok := blockDevice(); ok {
		b := e.bundle(t, "io10", []string{"sleep", "100"}, func(s *specs.Spec) {
			d := specs.LinuxBlockIODevice{Major: maj, Minor: min}
			s.Linux.Resources = &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{
				ThrottleReadBpsDevice:   []specs.LinuxThrottleDevice{{LinuxBlockIODevice: d, Rate: 1048576}},
				ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: d, Rate: 100}},
			}}
		})
		if r := e.oci(t, "run", "-d", "--bundle", b, "io10"); r.code != 0 {
			t.Fatalf("run -d with throttles: %s", r.stderr)
		}
		if unified {
			if got := e.cgroupFile(t, "io10", "", "io.max"); !strings.Contains(got, dev+" rbps=1048576") || !strings.Contains(got, "wiops=100") {
				t.Errorf("io.max: %q", got)
			}
		} else {
			if got := e.cgroupFile(t, "io10", "blkio", "blkio.throttle.read_bps_device"); !strings.Contains(got, dev+" 1048576") {
				t.Errorf("read_bps_device: %q", got)
			}
			if got := e.cgroupFile(t, "io10", "blkio", "blkio.throttle.write_iops_device"); !strings.Contains(got, dev+" 100") {
				t.Errorf("write_iops_device: %q", got)
			}
		}
		e.oci(t, "delete", "--force", "io10")
	}

	// Memory: v1 files; v2 has none and refuses, naming the field.
	sw, tcp, off := uint64(10), int64(64<<20), true
	b := e.bundle(t, "mem10", []string{"sleep", "100"}, func(s *specs.Spec) {
		s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Swappiness: &sw, KernelTCP: &tcp, DisableOOMKiller: &off}}
	})
	r := e.oci(t, "run", "-d", "--bundle", b, "mem10")
	defer e.oci(t, "delete", "--force", "mem10")
	switch {
	case unified:
		if r.code == 0 || !strings.Contains(r.stderr, "linux.resources.memory.swappiness") {
			t.Errorf("swappiness on v2: exit %d %q, want a refusal naming it", r.code, r.stderr)
		}
	case r.code != 0:
		t.Errorf("run -d with memory files: %s", r.stderr)
	default:
		if got := e.cgroupFile(t, "mem10", "memory", "memory.swappiness"); strings.TrimSpace(got) != "10" {
			t.Errorf("memory.swappiness: %q", got)
		}
		if got := e.cgroupFile(t, "mem10", "memory", "memory.oom_control"); !strings.Contains(got, "oom_kill_disable 1") {
			t.Errorf("memory.oom_control: %q", got)
		}
		if got := e.cgroupFile(t, "mem10", "memory", "memory.kmem.tcp.limit_in_bytes"); strings.TrimSpace(got) != "67108864" {
			t.Errorf("memory.kmem.tcp.limit_in_bytes: %q", got)
		}
	}

	// net_cls: applied where mounted, refused naming the field elsewhere
	// (v2 has no net_cls at all).
	id := uint32(0x100001)
	b = e.bundle(t, "net10", []string{"true"}, func(s *specs.Spec) {
		s.Linux.Resources = &specs.LinuxResources{Network: &specs.LinuxNetwork{ClassID: &id}}
	})
	r = e.oci(t, "run", "--bundle", b, "net10")
	if _, err := os.Stat("/sys/fs/cgroup/net_cls"); err != nil || unified {
		if r.code == 0 || !strings.Contains(r.stderr, "linux.resources.network") {
			t.Errorf("network without net_cls: exit %d %q, want a refusal naming the field", r.code, r.stderr)
		}
	} else if r.code != 0 {
		t.Errorf("network with net_cls mounted: %s", r.stderr)
	}

	// hugetlb: applied where the controller is (v2 hugetlb.2MB.max),
	// refused naming the field elsewhere (this hybrid host: not on v1).
	b = e.bundle(t, "huge10", []string{"sleep", "100"}, func(s *specs.Spec) {
		s.Linux.Resources = &specs.LinuxResources{HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4 << 20}}}
	})
	r = e.oci(t, "run", "-d", "--bundle", b, "huge10")
	defer e.oci(t, "delete", "--force", "huge10")
	switch {
	case r.code != 0:
		if !strings.Contains(r.stderr, "linux.resources.hugepageLimits[0]") {
			t.Errorf("hugepageLimits: exit %d %q: a refusal must name the field", r.code, r.stderr)
		}
	case unified:
		if got := e.cgroupFile(t, "huge10", "", "hugetlb.2MB.max"); strings.TrimSpace(got) != "4194304" {
			t.Errorf("hugetlb.2MB.max: %q", got)
		}
	default:
		if got := e.cgroupFile(t, "huge10", "hugetlb", "hugetlb.2MB.limit_in_bytes"); strings.TrimSpace(got) != "4194304" {
			t.Errorf("hugetlb.2MB.limit_in_bytes: %q", got)
		}
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
