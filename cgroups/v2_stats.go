package cgroups

import (
	"path/filepath"
)

// orZero reads a counter whose file exists only when its controller is
// enabled (or the kernel is new enough): ENOENT reads as 0.
func orZero(v uint64, err error) (uint64, error) {
	if isNotExist(err) {
		return 0, nil
	}
	return v, err
}

func (m *v2Manager) Stats() (Stats, error) {
	var s Stats
	d := m.Path()
	// cpu.stat is a core file of every cgroup2 directory; reading it
	// first also tells a missing cgroup apart from a missing controller.
	cpu, err := readKeyed(m.fs, filepath.Join(d, "cpu.stat"))
	if err != nil {
		return s, stepErr("read stats", err, "")
	}
	s.CPUUsageNs = cpu["usage_usec"] * 1000
	if s.MemoryUsage, err = orZero(readUint(m.fs, filepath.Join(d, "memory.current"))); err != nil {
		return s, stepErr("read stats", err, "")
	}
	if s.MemoryMaxUsage, err = orZero(readUint(m.fs, filepath.Join(d, "memory.peak"))); err != nil {
		return s, stepErr("read stats", err, "")
	}
	s.MemoryLimit, err = readV2Max(m.fs, filepath.Join(d, "memory.max"))
	if isNotExist(err) {
		s.MemoryLimit, err = -1, nil
	}
	if err != nil {
		return s, stepErr("read stats", err, "")
	}
	if s.PidsCurrent, err = orZero(readUint(m.fs, filepath.Join(d, "pids.current"))); err != nil {
		return s, stepErr("read stats", err, "")
	}
	ev, err := readKeyed(m.fs, filepath.Join(d, "memory.events"))
	if err != nil && !isNotExist(err) {
		return s, stepErr("read stats", err, "")
	}
	s.OOMKills = ev["oom_kill"]
	return s, nil
}

// OOMKills reads oom_kill from memory.events, which counts the whole
// subtree (memory.events.local would count only this cgroup).
func (m *v2Manager) OOMKills() (uint64, error) {
	p := filepath.Join(m.Path(), "memory.events")
	ev, err := readKeyed(m.fs, p)
	if err != nil {
		hint := ""
		if isNotExist(err) {
			hint = "the memory controller is not enabled for this cgroup, so the kernel counts no OOM kills"
		}
		return 0, stepErr("read OOM kills", err, hint)
	}
	return ev["oom_kill"], nil
}
