package cgroups

import (
	"fmt"
	"path/filepath"
)

func (m *v1Manager) Stats() (Stats, error) {
	var s Stats
	if d := m.dir("memory"); d != "" {
		var err error
		if s.MemoryUsage, err = readUint(m.fs, filepath.Join(d, "memory.usage_in_bytes")); err != nil {
			return s, stepErr("read stats", err, "")
		}
		if s.MemoryMaxUsage, err = readUint(m.fs, filepath.Join(d, "memory.max_usage_in_bytes")); err != nil {
			return s, stepErr("read stats", err, "")
		}
		lim, err := readUint(m.fs, filepath.Join(d, "memory.limit_in_bytes"))
		if err != nil {
			return s, stepErr("read stats", err, "")
		}
		s.MemoryLimit = v1Limit(lim)
		if s.OOMKills, err = m.oomKills(); err != nil {
			return s, err
		}
	}
	if d := m.dir("cpuacct"); d != "" {
		var err error
		if s.CPUUsageNs, err = readUint(m.fs, filepath.Join(d, "cpuacct.usage")); err != nil {
			return s, stepErr("read stats", err, "")
		}
	}
	if d := m.dir("pids"); d != "" {
		var err error
		if s.PidsCurrent, err = readUint(m.fs, filepath.Join(d, "pids.current")); err != nil {
			return s, stepErr("read stats", err, "")
		}
	}
	return s, nil
}

// v1Limit maps the kernel's "unlimited" (PAGE_COUNTER_MAX pages,
// 9223372036854771712 with 4k pages) to -1.
func v1Limit(v uint64) int64 {
	if v >= 1<<62 {
		return -1
	}
	return int64(v)
}

// oomKills reads oom_kill from memory.oom_control (kernel 4.13+). The
// counter includes descendants, like the v2 one.
func (m *v1Manager) oomKills() (uint64, error) {
	d := m.dir("memory")
	if d == "" {
		return 0, fmt.Errorf("cgroups: read OOM kills: no v1 memory hierarchy is mounted")
	}
	p := filepath.Join(d, "memory.oom_control")
	kv, err := readKeyed(m.fs, p)
	if err != nil {
		return 0, stepErr("read OOM kills", err, "")
	}
	n, ok := kv["oom_kill"]
	if !ok {
		return 0, fmt.Errorf("cgroups: read OOM kills: %s has no oom_kill line (kernel older than 4.13)", p)
	}
	return n, nil
}

func (m *v1Manager) OOMKills() (uint64, error) { return m.oomKills() }
