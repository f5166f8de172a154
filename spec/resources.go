package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Bounds for linux.resources. They are the cgroups package's (docker's
// and the kernel's), repeated here so that spec stays free of the
// packages that apply them; keep them in step.
const (
	minMemory      = 6 << 20 // docker's minimum: less cannot even start a shell
	minCPUShares   = 2       // the kernel clamps cpu.shares to 2..262144
	maxCPUShares   = 262144
	minCPUQuota    = 1000 // the kernel refuses a CFS quota under 1ms
	minCPUPeriod   = 1000 // and a period outside 1ms..1s
	maxCPUPeriod   = 1000000
	minBlkioWeight = 10 // blkio.weight's range
	maxBlkioWeight = 1000
)

// checkResources checks linux.resources. Values of 0 mean "not set" and
// are left alone, as runc does; -1 means "no limit" where the kernel has
// one ("max"). Fields with no support in the cgroups package are
// rejected, each with its path, so a limit is never silently dropped.
func checkResources(p *problems, r *specs.LinuxResources) {
	if r == nil {
		return
	}
	const base = "linux.resources"
	checkDeviceRules(p, r.Devices)
	checkMemory(p, r.Memory)
	checkCPU(p, r.CPU)
	if r.Pids != nil && r.Pids.Limit < -1 {
		p.add(base+".pids.limit", "%d must be positive, or -1 for no limit", r.Pids.Limit)
	}
	checkBlockIO(p, r.BlockIO)
	if len(r.HugepageLimits) > 0 {
		p.unsupported(base + ".hugepageLimits")
	}
	if r.Network != nil {
		p.unsupported(base + ".network") // net_cls / net_prio
	}
	if len(r.Rdma) > 0 {
		p.unsupported(base + ".rdma")
	}
	// unified is raw cgroup v2 files. Mapping them onto v1, or checking
	// them against the typed fields, is not done: refuse each key.
	for k := range r.Unified {
		p.add(key(base+".unified", k), "is not supported; use the typed fields of linux.resources")
	}
}

func checkMemory(p *problems, m *specs.LinuxMemory) {
	if m == nil {
		return
	}
	const base = "linux.resources.memory"
	limit := int64(0)
	if m.Limit != nil {
		limit = *m.Limit
		if limit < -1 || (limit > 0 && limit < minMemory) {
			p.add(base+".limit", "%d must be at least %d bytes (6 MiB), or -1 for no limit", limit, minMemory)
		}
	}
	if m.Swap != nil {
		// swap is memory+swap (memory.memsw.limit_in_bytes on v1), so it
		// cannot be below the memory limit, and needs one.
		switch swap := *m.Swap; {
		case swap == 0 || swap == -1:
		case swap < -1:
			p.add(base+".swap", "%d must be at least the memory limit, or -1 for unlimited swap", swap)
		case limit <= 0:
			p.add(base+".swap", "needs linux.resources.memory.limit: it is the total of memory and swap")
		case swap < limit:
			p.add(base+".swap", "%d is less than the memory limit %d; it is the total of memory and swap", swap, limit)
		}
	}
	if m.Reservation != nil {
		switch res := *m.Reservation; {
		case res < -1:
			p.add(base+".reservation", "%d must not be negative (-1 is no reservation)", res)
		case limit > 0 && res > limit:
			p.add(base+".reservation", "%d is more than the memory limit %d; a soft limit above the hard one never applies", res, limit)
		}
	}
	// The rest are v1-only knobs (kernel and kernelTCP are gone from
	// Linux 6.x, swappiness and the OOM killer switch have no v2 file) or
	// behaviours the cgroups package does not implement.
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"kernel", m.Kernel != nil},
		{"kernelTCP", m.KernelTCP != nil},
		{"swappiness", m.Swappiness != nil},
		{"disableOOMKiller", m.DisableOOMKiller != nil},
		{"useHierarchy", m.UseHierarchy != nil},
		{"checkBeforeUpdate", m.CheckBeforeUpdate != nil},
	} {
		if f.set {
			p.unsupported(field(base, f.name))
		}
	}
}

func checkCPU(p *problems, c *specs.LinuxCPU) {
	if c == nil {
		return
	}
	const base = "linux.resources.cpu"
	if c.Shares != nil && *c.Shares != 0 && (*c.Shares < minCPUShares || *c.Shares > maxCPUShares) {
		p.add(base+".shares", "%d is outside %d..%d", *c.Shares, minCPUShares, maxCPUShares)
	}
	if c.Quota != nil {
		if q := *c.Quota; q < -1 || (q > 0 && q < minCPUQuota) {
			p.add(base+".quota", "%d must be at least %d microseconds (1ms), or -1 for no limit", q, minCPUQuota)
		}
	}
	if c.Period != nil && *c.Period != 0 && (*c.Period < minCPUPeriod || *c.Period > maxCPUPeriod) {
		p.add(base+".period", "%d is outside the kernel's range %d..%d microseconds (1ms to 1s)", *c.Period, minCPUPeriod, maxCPUPeriod)
	}
	if c.Cpus != "" {
		if msg := badCPUList(c.Cpus); msg != "" {
			p.add(base+".cpus", "%q: %s", c.Cpus, msg)
		}
	}
	if c.Mems != "" {
		if msg := badCPUList(c.Mems); msg != "" {
			p.add(base+".mems", "%q: %s", c.Mems, msg)
		}
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"burst", c.Burst != nil},
		{"realtimeRuntime", c.RealtimeRuntime != nil},
		{"realtimePeriod", c.RealtimePeriod != nil},
		{"idle", c.Idle != nil},
	} {
		if f.set {
			p.unsupported(field(base, f.name))
		}
	}
}

// checkBlockIO: only the cgroup-wide weight is applied (v1 blkio.weight,
// v2 io.weight); per-device weights and throttles are not.
func checkBlockIO(p *problems, b *specs.LinuxBlockIO) {
	if b == nil {
		return
	}
	const base = "linux.resources.blockIO"
	if b.Weight != nil && *b.Weight != 0 && (*b.Weight < minBlkioWeight || *b.Weight > maxBlkioWeight) {
		p.add(base+".weight", "%d is outside %d..%d", *b.Weight, minBlkioWeight, maxBlkioWeight)
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
		{"leafWeight", b.LeafWeight != nil},
		{"weightDevice", len(b.WeightDevice) > 0},
		{"throttleReadBpsDevice", len(b.ThrottleReadBpsDevice) > 0},
		{"throttleWriteBpsDevice", len(b.ThrottleWriteBpsDevice) > 0},
		{"throttleReadIOPSDevice", len(b.ThrottleReadIOPSDevice) > 0},
		{"throttleWriteIOPSDevice", len(b.ThrottleWriteIOPSDevice) > 0},
	} {
		if f.set {
			p.unsupported(field(base, f.name))
		}
	}
}
