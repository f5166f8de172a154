package spec

import (
	"strings"

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
	// hugepageLimits and network are applied where the host has the
	// controller (container.fileSettings; the cgroup managers refuse
	// them, naming the field, where it lacks one).
	for i, h := range r.HugepageLimits {
		if !validPageSize(h.Pagesize) {
			p.add(field(idx(base+".hugepageLimits", i), "pageSize"), "%q is not a huge page size like \"2MB\" or \"1GB\"", h.Pagesize)
		}
	}
	if n := r.Network; n != nil {
		for i, pr := range n.Priorities {
			if pr.Name == "" || strings.ContainsAny(pr.Name, " \n/") {
				p.add(field(idx(base+".network.priorities", i), "name"), "%q is not an interface name", pr.Name)
			}
		}
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
	// swappiness, disableOOMKiller, kernel and kernelTCP are v1 files,
	// applied where they exist (container.fileSettings). useHierarchy
	// and checkBeforeUpdate are behaviours, not files.
	if m.Swappiness != nil && *m.Swappiness > 100 {
		p.add(base+".swappiness", "%d is outside 0..100", *m.Swappiness)
	}
	for _, f := range []struct {
		name string
		set  bool
	}{
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
	// burst, idle and the realtime budget are files where the kernel
	// has them (container.fileSettings).
	if c.Idle != nil && *c.Idle != 0 && *c.Idle != 1 {
		p.add(base+".idle", "%d must be 0 or 1", *c.Idle)
	}
}

// checkBlockIO: the weights' range; per-device weights and throttles are
// files where the kernel has them (container.fileSettings).
func checkBlockIO(p *problems, b *specs.LinuxBlockIO) {
	if b == nil {
		return
	}
	const base = "linux.resources.blockIO"
	if b.Weight != nil && *b.Weight != 0 && (*b.Weight < minBlkioWeight || *b.Weight > maxBlkioWeight) {
		p.add(base+".weight", "%d is outside %d..%d", *b.Weight, minBlkioWeight, maxBlkioWeight)
	}
	weight := func(path string, w *uint16) {
		if w != nil && *w != 0 && (*w < minBlkioWeight || *w > maxBlkioWeight) {
			p.add(path, "%d is outside %d..%d", *w, minBlkioWeight, maxBlkioWeight)
		}
	}
	weight(base+".leafWeight", b.LeafWeight)
	for i, d := range b.WeightDevice {
		weight(field(idx(base+".weightDevice", i), "weight"), d.Weight)
		weight(field(idx(base+".weightDevice", i), "leafWeight"), d.LeafWeight)
	}
}

// ValidateResources checks linux.resources alone, for `update`.
func ValidateResources(r *specs.LinuxResources) error {
	var p problems
	checkResources(&p, r)
	return p.err()
}

// validPageSize: a number and a unit, as the hugetlb files are named
// ("2MB", "1GB", "64KB").
func validPageSize(s string) bool {
	n := strings.TrimRight(s, "KMGB")
	if n == "" || len(n) == len(s) || !strings.HasSuffix(s, "B") {
		return false
	}
	for _, c := range n {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
