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
