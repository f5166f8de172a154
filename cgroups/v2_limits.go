package cgroups

import (
	"fmt"
	"path/filepath"
)

// plan lists the limit writes for the leaf. v2 has no ordering rule
// between memory.max and memory.swap.max: they are separate counters.
func (m *v2Manager) plan() ([]limitWrite, error) {
	r := &m.res
	d := m.Path()
	pd := filepath.Dir(d)
	var ws []limitWrite
	add := func(step, file, value string) {
		ws = append(ws, limitWrite{Step: step, Path: filepath.Join(d, file), Value: value})
	}

	// An empty v2 cpuset means "the parent's effective set", so there is
	// nothing to copy, unlike v1.
	if r.CpusetCpus != "" {
		ws = append(ws, limitWrite{Step: "apply cpuset cpus", Path: filepath.Join(d, "cpuset.cpus"), Value: r.CpusetCpus, hint: cpusetHint(filepath.Join(pd, "cpuset.cpus.effective"))})
	}
	if r.CpusetMems != "" {
		ws = append(ws, limitWrite{Step: "apply cpuset mems", Path: filepath.Join(d, "cpuset.mems"), Value: r.CpusetMems, hint: cpusetHint(filepath.Join(pd, "cpuset.mems.effective"))})
	}

	if r.Memory > 0 {
		add("apply memory limit", "memory.max", itoa(r.Memory))
	}
	// Docker's --memory-swap is memory+swap; v2 limits swap alone.
	if total, explicit := r.swapTotal(); total != 0 {
		p := filepath.Join(d, "memory.swap.max")
		ok, err := m.fs.Exists(p)
		if err != nil {
			return nil, stepErr("check swap accounting", err, "")
		}
		switch {
		case ok && total == -1:
			add("apply swap limit", "memory.swap.max", "max")
		case ok:
			add("apply swap limit", "memory.swap.max", itoa(total-r.Memory))
		case explicit && total > 0:
			return nil, fmt.Errorf("cgroups: apply swap limit: --memory-swap needs swap accounting, but %s does not exist (the kernel lacks CONFIG_MEMCG_SWAP or was booted with swapaccount=0)", p)
		}
	}
	if r.MemoryReservation > 0 {
		add("apply memory reservation", "memory.low", itoa(r.MemoryReservation))
	}

	if r.CPUShares != 0 {
		add("apply cpu weight", "cpu.weight", utoa(SharesToWeight(r.CPUShares)))
	}
	switch {
	case r.CPUQuota > 0:
		add("apply cpu quota", "cpu.max", itoa(r.CPUQuota)+" "+utoa(r.cpuPeriod()))
	case r.CPUPeriod != 0:
		add("apply cpu period", "cpu.max", "max "+utoa(r.CPUPeriod))
	}

	if r.PidsLimit > 0 {
		add("apply pids limit", "pids.max", itoa(r.PidsLimit))
	} else if r.PidsLimit == -1 {
		add("apply pids limit", "pids.max", "max")
	}

	if r.BlkioWeight != 0 {
		// io.bfq.weight takes the v1 range as is and acts under the BFQ
		// scheduler; io.weight (1..10000) acts under blk-iocost. Each is
		// written where it exists, so the weight holds under either.
		n := len(ws)
		for _, f := range []struct{ file, value string }{
			{"io.bfq.weight", utoa(uint64(r.BlkioWeight))},
			{"io.weight", "default " + utoa(BlkioToIOWeight(r.BlkioWeight))},
		} {
			ok, err := m.fs.Exists(filepath.Join(d, f.file))
			if err != nil {
				return nil, stepErr("check io weight", err, "")
			}
			if ok {
				add("apply io weight", f.file, f.value)
			}
		}
		if len(ws) == n {
			return nil, fmt.Errorf("cgroups: apply io weight: %s has neither io.weight (blk-iocost) nor io.bfq.weight (BFQ)", d)
		}
	}
	files, err := fileWrites(m.fs, r.Files, func(string) string { return d })
	if err != nil {
		return nil, err
	}
	return append(ws, files...), nil
}
