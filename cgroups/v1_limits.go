package cgroups

import (
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// plan lists the limit writes in the order the kernel needs them. It reads
// the current memory limit and checks which optional files exist, so it
// runs after the directories are made.
func (m *v1Manager) plan() ([]limitWrite, error) {
	r := &m.res
	var ws []limitWrite

	if r.CpusetCpus != "" || r.CpusetMems != "" {
		d := m.dir("cpuset")
		pd := filepath.Dir(d)
		if r.CpusetCpus != "" {
			ws = append(ws, limitWrite{Step: "apply cpuset cpus", Path: filepath.Join(d, "cpuset.cpus"), Value: r.CpusetCpus, hint: cpusetHint(filepath.Join(pd, "cpuset.cpus"))})
		}
		if r.CpusetMems != "" {
			ws = append(ws, limitWrite{Step: "apply cpuset mems", Path: filepath.Join(d, "cpuset.mems"), Value: r.CpusetMems, hint: cpusetHint(filepath.Join(pd, "cpuset.mems"))})
		}
	}

	mem, err := m.planMemory()
	if err != nil {
		return nil, err
	}
	ws = append(ws, mem...)

	if r.CPUShares != 0 || r.CPUQuota != 0 || r.CPUPeriod != 0 {
		d := m.dir("cpu")
		if r.CPUShares != 0 {
			ws = append(ws, limitWrite{Step: "apply cpu shares", Path: filepath.Join(d, "cpu.shares"), Value: utoa(r.CPUShares)})
		}
		// Period first: the new cgroup's quota is -1 (unlimited), so any
		// period is accepted; the quota is then checked against the new
		// period and the parent's bandwidth.
		bw := func(e unix.Errno) string {
			return hintFor(e, unix.ENOENT, "the kernel lacks CFS bandwidth control (CONFIG_CFS_BANDWIDTH)") +
				hintFor(e, unix.EINVAL, "quota and period must be at least 1ms, the period at most 1s, and quota/period must fit the parent's bandwidth")
		}
		if p := r.cpuPeriod(); p != 0 {
			ws = append(ws, limitWrite{Step: "apply cpu period", Path: filepath.Join(d, "cpu.cfs_period_us"), Value: utoa(p), hint: func(_ fsOps, e unix.Errno) string { return bw(e) }})
		}
		if r.CPUQuota != 0 {
			ws = append(ws, limitWrite{Step: "apply cpu quota", Path: filepath.Join(d, "cpu.cfs_quota_us"), Value: itoa(r.CPUQuota), hint: func(_ fsOps, e unix.Errno) string { return bw(e) }})
		}
	}

	if r.PidsLimit != 0 {
		v := itoa(r.PidsLimit)
		if r.PidsLimit == -1 {
			v = "max" // pids.max refuses -1 (EINVAL, measured)
		}
		ws = append(ws, limitWrite{Step: "apply pids limit", Path: filepath.Join(m.dir("pids"), "pids.max"), Value: v})
	}

	if r.BlkioWeight != 0 {
		blk, err := m.planBlkio()
		if err != nil {
			return nil, err
		}
		ws = append(ws, blk...)
	}
	files, err := fileWrites(m.fs, r.Files, m.dir)
	if err != nil {
		return nil, err
	}
	return append(ws, files...), nil
}

// planMemory orders memory.limit_in_bytes and memory.memsw.limit_in_bytes.
// The kernel keeps limit <= memsw at every moment and answers EINVAL
// otherwise (measured: with both at 32M, raising the limit to 64M first
// fails). Going from (limit m0) to (m1, s1) with m1 <= s1: if s1 >= m0,
// memsw can go first; otherwise s1 < m0 and then m1 <= s1 < m0 <= s0, so
// the limit can go first. A fresh cgroup has m0 = unlimited, so the limit
// goes first; raising both on a limited cgroup puts memsw first.
func (m *v1Manager) planMemory() ([]limitWrite, error) {
	r := &m.res
	if r.Memory == 0 && r.MemorySwap == 0 && r.MemoryReservation == 0 {
		return nil, nil
	}
	d := m.dir("memory")
	limitFile := filepath.Join(d, "memory.limit_in_bytes")
	swapFile := filepath.Join(d, "memory.memsw.limit_in_bytes")

	var memW, swapW *limitWrite
	if r.Memory > 0 {
		memW = &limitWrite{Step: "apply memory limit", Path: limitFile, Value: itoa(r.Memory), hint: func(_ fsOps, e unix.Errno) string {
			return hintFor(e, unix.EBUSY, "the cgroup already uses more memory than this and the kernel could not reclaim enough") +
				hintFor(e, unix.EINVAL, "memory.limit_in_bytes must stay <= memory.memsw.limit_in_bytes")
		}}
	}
	if total, explicit := r.swapTotal(); total != 0 {
		ok, err := m.fs.Exists(swapFile)
		if err != nil {
			return nil, stepErr("check swap accounting", err, "")
		}
		switch {
		case ok:
			swapW = &limitWrite{Step: "apply memory+swap limit", Path: swapFile, Value: itoa(total), hint: func(_ fsOps, e unix.Errno) string {
				return hintFor(e, unix.EINVAL, "memory.memsw.limit_in_bytes must stay >= memory.limit_in_bytes") +
					hintFor(e, unix.EBUSY, "the cgroup already uses more memory+swap than this")
			}}
		case explicit && total > 0:
			return nil, fmt.Errorf("cgroups: apply memory+swap limit: --memory-swap needs swap accounting, but %s does not exist (the kernel was booted without swapaccount=1 or lacks CONFIG_MEMCG_SWAP)", swapFile)
		default:
			// Unlimited swap asked, or docker's implicit default, and the
			// kernel does not account swap: there is nothing to enforce.
		}
	}

	var ws []limitWrite
	switch {
	case memW != nil && swapW != nil:
		cur, err := readTrim(m.fs, limitFile)
		if err != nil {
			return nil, stepErr("read current memory limit", err, "")
		}
		var m0 int64
		if _, err := fmt.Sscan(cur, &m0); err != nil {
			return nil, stepErr("read current memory limit", fmt.Errorf("%s: bad value %q", limitFile, cur), "")
		}
		total, _ := r.swapTotal()
		if total == -1 || total >= m0 {
			ws = append(ws, *swapW, *memW)
		} else {
			ws = append(ws, *memW, *swapW)
		}
	case memW != nil:
		ws = append(ws, *memW)
	case swapW != nil:
		ws = append(ws, *swapW)
	}
	if r.MemoryReservation > 0 {
		ws = append(ws, limitWrite{Step: "apply memory reservation", Path: filepath.Join(d, "memory.soft_limit_in_bytes"), Value: itoa(r.MemoryReservation)})
	}
	return ws, nil
}

// planBlkio: blkio.weight belongs to CFQ, which left the kernel in 5.0;
// BFQ offers blkio.bfq.weight with the same 1..1000 range (this host has
// only the latter). Both are written where both exist.
func (m *v1Manager) planBlkio() ([]limitWrite, error) {
	d := m.dir("blkio")
	var ws []limitWrite
	for _, f := range []string{"blkio.weight", "blkio.bfq.weight"} {
		p := filepath.Join(d, f)
		ok, err := m.fs.Exists(p)
		if err != nil {
			return nil, stepErr("check blkio weight", err, "")
		}
		if ok {
			ws = append(ws, limitWrite{Step: "apply blkio weight", Path: p, Value: utoa(uint64(m.res.BlkioWeight))})
		}
	}
	if len(ws) == 0 {
		return nil, fmt.Errorf("cgroups: apply blkio weight: %s has neither blkio.weight (CFQ) nor blkio.bfq.weight (BFQ, load the bfq module)", d)
	}
	return ws, nil
}
