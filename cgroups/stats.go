package cgroups

import (
	"fmt"
	"strconv"
	"strings"
)

// Stats is a snapshot of a cgroup's usage. A counter whose controller is
// not in use for the cgroup (not mounted on v1, not enabled on v2) or that
// the kernel is too old to report reads 0.
type Stats struct {
	MemoryUsage    uint64 // bytes: v1 memory.usage_in_bytes, v2 memory.current
	MemoryMaxUsage uint64 // peak bytes: v1 memory.max_usage_in_bytes, v2 memory.peak (kernel 5.19+)
	MemoryLimit    int64  // bytes; -1 means unlimited
	CPUUsageNs     uint64 // v1 cpuacct.usage, v2 cpu.stat usage_usec*1000
	PidsCurrent    uint64 // tasks; on v1 it counts zombies until they are reaped
	OOMKills       uint64 // v1 memory.oom_control / v2 memory.events oom_kill
}

// readUint reads a file holding one unsigned number.
func readUint(fs fsOps, path string) (uint64, error) {
	s, err := readTrim(fs, path)
	if err != nil {
		return 0, err
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, &FileError{Op: "read", Path: path, Err: fmt.Errorf("not a number: %q", s)}
	}
	return v, nil
}

// readKeyed reads a flat keyed file ("key value" per line), like
// memory.events, cpu.stat or v1 memory.oom_control.
func readKeyed(fs fsOps, path string) (map[string]uint64, error) {
	s, err := fs.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kv := map[string]uint64{}
	for _, line := range strings.Split(s, "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		if len(f) != 2 {
			return nil, &FileError{Op: "read", Path: path, Err: fmt.Errorf("bad line %q", line)}
		}
		v, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return nil, &FileError{Op: "read", Path: path, Err: fmt.Errorf("bad line %q", line)}
		}
		kv[f[0]] = v
	}
	return kv, nil
}

// readV2Max reads memory.max style files: a number or "max" (-1).
func readV2Max(fs fsOps, path string) (int64, error) {
	s, err := readTrim(fs, path)
	if err != nil {
		return 0, err
	}
	if s == "max" {
		return -1, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, &FileError{Op: "read", Path: path, Err: fmt.Errorf("not a number or max: %q", s)}
	}
	return v, nil
}
