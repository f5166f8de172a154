package container

import (
	"fmt"
	"strconv"

	"mycontainer/cgroups"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fileSettings maps the linux.resources fields that are one cgroup file
// each (config-linux.md: memory swappiness and OOM killer, kernel
// memory, per-device block I/O, hugetlb, net_cls/net_prio) to the files
// of the host's cgroup version. A field with no file on that version is
// refused here, naming it; a file the host lacks is refused by the
// manager, naming it too.
func fileSettings(r *specs.LinuxResources, unified bool) ([]cgroups.FileSetting, error) {
	var out []cgroups.FileSetting
	add := func(field, ctrl, value string, files ...string) {
		out = append(out, cgroups.FileSetting{Field: field, Controller: ctrl, Files: files, Value: value})
	}
	noV2 := func(field, why string) error {
		return fmt.Errorf("%s: cgroup v2 has no equivalent (%s)", field, why)
	}
	const base = "linux.resources"
	if m := r.Memory; m != nil {
		switch {
		case m.Swappiness != nil && unified:
			return nil, noV2(base+".memory.swappiness", "memory.swappiness is v1 only")
		case m.Swappiness != nil:
			add(base+".memory.swappiness", "memory", u64(*m.Swappiness), "memory.swappiness")
		}
		if m.DisableOOMKiller != nil && *m.DisableOOMKiller {
			if unified {
				return nil, noV2(base+".memory.disableOOMKiller", "v2 cannot turn the OOM killer off; memory.oom.group only widens it")
			}
			add(base+".memory.disableOOMKiller", "memory", "1", "memory.oom_control")
		}
		for _, k := range []struct {
			name, file string
			v          *int64
		}{{"kernel", "memory.kmem.limit_in_bytes", m.Kernel}, {"kernelTCP", "memory.kmem.tcp.limit_in_bytes", m.KernelTCP}} {
			if k.v == nil {
				continue
			}
			if unified {
				return nil, noV2(base+".memory."+k.name, "v2 accounts kernel memory inside memory.max")
			}
			add(base+".memory."+k.name, "memory", strconv.FormatInt(*k.v, 10), k.file)
		}
	}
	if c := r.CPU; c != nil {
		if err := cpuSettings(c, unified, add); err != nil {
			return nil, err
		}
	}
	if b := r.BlockIO; b != nil {
		if err := blockIOSettings(b, unified, add); err != nil {
			return nil, err
		}
	}
	for i, h := range r.HugepageLimits {
		field := fmt.Sprintf("%s.hugepageLimits[%d]", base, i)
		if unified {
			add(field, "hugetlb", u64(h.Limit), "hugetlb."+h.Pagesize+".max")
		} else {
			add(field, "hugetlb", u64(h.Limit), "hugetlb."+h.Pagesize+".limit_in_bytes")
		}
	}
	if n := r.Network; n != nil {
		if unified && (n.ClassID != nil || len(n.Priorities) > 0) {
			return nil, noV2(base+".network", "net_cls and net_prio are v1 controllers; v2 uses eBPF")
		}
		if n.ClassID != nil {
			add(base+".network.classID", "net_cls", strconv.FormatUint(uint64(*n.ClassID), 10), "net_cls.classid")
		}
		for i, p := range n.Priorities {
			add(fmt.Sprintf("%s.network.priorities[%d]", base, i), "net_prio", p.Name+" "+strconv.FormatUint(uint64(p.Priority), 10), "net_prio.ifpriomap")
		}
	}
	return out, nil
}

// blockIOSettings: v1 blkio.* files ("MAJ:MIN VALUE", one rule per
// write), v2 io.max ("MAJ:MIN rbps=N") and io.bfq.weight (per-device
// weights exist only under BFQ there).
func blockIOSettings(b *specs.LinuxBlockIO, unified bool, add func(field, ctrl, value string, files ...string)) error {
	const base = "linux.resources.blockIO"
	dev := func(major, minor int64) string {
		return strconv.FormatInt(major, 10) + ":" + strconv.FormatInt(minor, 10)
	}
	if b.LeafWeight != nil {
		if unified {
			return fmt.Errorf("%s.leafWeight: cgroup v2 has no equivalent (leaf weights were CFQ's)", base)
		}
		add(base+".leafWeight", "blkio", u64(uint64(*b.LeafWeight)), "blkio.leaf_weight", "blkio.bfq.leaf_weight")
	}
	for i, w := range b.WeightDevice {
		field := fmt.Sprintf("%s.weightDevice[%d]", base, i)
		if w.Weight != nil {
			if unified {
				add(field, "io", dev(w.Major, w.Minor)+" "+u64(uint64(*w.Weight)), "io.bfq.weight")
			} else {
				add(field, "blkio", dev(w.Major, w.Minor)+" "+u64(uint64(*w.Weight)), "blkio.weight_device", "blkio.bfq.weight_device")
			}
		}
		if w.LeafWeight != nil {
			if unified {
				return fmt.Errorf("%s.leafWeight: cgroup v2 has no equivalent (leaf weights were CFQ's)", field)
			}
			add(field+".leafWeight", "blkio", dev(w.Major, w.Minor)+" "+u64(uint64(*w.LeafWeight)), "blkio.leaf_weight_device")
		}
	}
	for _, t := range []struct {
		name, v1, v2 string
		devs         []specs.LinuxThrottleDevice
	}{
		{"throttleReadBpsDevice", "blkio.throttle.read_bps_device", "rbps", b.ThrottleReadBpsDevice},
		{"throttleWriteBpsDevice", "blkio.throttle.write_bps_device", "wbps", b.ThrottleWriteBpsDevice},
		{"throttleReadIOPSDevice", "blkio.throttle.read_iops_device", "riops", b.ThrottleReadIOPSDevice},
		{"throttleWriteIOPSDevice", "blkio.throttle.write_iops_device", "wiops", b.ThrottleWriteIOPSDevice},
	} {
		for i, d := range t.devs {
			field := fmt.Sprintf("%s.%s[%d]", base, t.name, i)
			if unified {
				add(field, "io", dev(d.Major, d.Minor)+" "+t.v2+"="+u64(d.Rate), "io.max")
			} else {
				add(field, "blkio", dev(d.Major, d.Minor)+" "+u64(d.Rate), t.v1)
			}
		}
	}
	return nil
}

func u64(v uint64) string { return strconv.FormatUint(v, 10) }

// cpuSettings: burst and idle exist on both versions; the realtime
// budget (period before runtime, the kernel checks runtime against it)
// only on v1 with CONFIG_RT_GROUP_SCHED.
func cpuSettings(c *specs.LinuxCPU, unified bool, add func(field, ctrl, value string, files ...string)) error {
	const base = "linux.resources.cpu"
	if c.Burst != nil {
		if unified {
			add(base+".burst", "cpu", u64(*c.Burst), "cpu.max.burst")
		} else {
			add(base+".burst", "cpu", u64(*c.Burst), "cpu.cfs_burst_us")
		}
	}
	if c.Idle != nil {
		add(base+".idle", "cpu", strconv.FormatInt(*c.Idle, 10), "cpu.idle")
	}
	if c.RealtimePeriod != nil || c.RealtimeRuntime != nil {
		if unified {
			return fmt.Errorf("%s.realtimeRuntime/realtimePeriod: cgroup v2 has no realtime budget files", base)
		}
		if c.RealtimePeriod != nil {
			add(base+".realtimePeriod", "cpu", u64(*c.RealtimePeriod), "cpu.rt_period_us")
		}
		if c.RealtimeRuntime != nil {
			add(base+".realtimeRuntime", "cpu", strconv.FormatInt(*c.RealtimeRuntime, 10), "cpu.rt_runtime_us")
		}
	}
	return nil
}
