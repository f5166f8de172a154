package cgroups

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
)

// v1Controllers are the v1 controllers the manager uses. Any other
// hierarchy (net_cls, perf_event, hugetlb, name=systemd, ...) is left
// alone: no limit of ours lives there, and named hierarchies belong to
// whoever mounted them.
var v1Controllers = []string{"cpu", "cpuacct", "cpuset", "memory", "pids", "freezer", "blkio", "devices", "hugetlb", "net_cls", "net_prio"}

// V1Mounts maps a v1 controller name ("memory", "cpu", ...) to the mount
// point of the hierarchy it is bound to. Co-mounted controllers share a
// mount point: on most hosts "cpu" and "cpuacct" both map to
// /sys/fs/cgroup/cpu,cpuacct.
type V1Mounts map[string]string

// FindV1Mounts reads /proc/self/mountinfo. Mount points are discovered
// rather than assumed because layouts differ: this project's build host
// mounts cpu and cpuacct separately, most hosts co-mount them behind
// symlinks.
//
// The result is read once per process and shared: the host's cgroup
// mounts do not change under a running runtime, and `run` asks several
// times (its manager, the sweep, the container's /sys/fs/cgroup layout).
func FindV1Mounts() (V1Mounts, error) {
	v1MountsOnce.Do(func() { v1Mounts, v1MountsErr = readV1Mounts() })
	if v1MountsErr != nil {
		return nil, v1MountsErr
	}
	out := make(V1Mounts, len(v1Mounts))
	for k, v := range v1Mounts {
		out[k] = v
	}
	return out, nil
}

var (
	v1MountsOnce sync.Once
	v1Mounts     V1Mounts
	v1MountsErr  error
)

func readV1Mounts() (V1Mounts, error) {
	const path = "/proc/self/mountinfo"
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("cgroups: find v1 hierarchies: %w", err)
	}
	defer f.Close()
	m, err := parseMountinfo(f)
	if err != nil {
		return nil, fmt.Errorf("cgroups: find v1 hierarchies: %s: %w", path, err)
	}
	return m, nil
}

// parseMountinfo keeps the first mount of each controller; later ones are
// bind mounts or nested mounts of the same hierarchy.
//
// Line format (proc(5)):
//
//	36 35 98:0 /root /mnt rw,noatime master:1 - cgroup cgroup rw,cpu,cpuacct
//
// with zero or more optional fields before the "-".
func parseMountinfo(r io.Reader) (V1Mounts, error) {
	known := map[string]bool{}
	for _, c := range v1Controllers {
		known[c] = true
	}
	mounts := V1Mounts{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		sep := -1
		for i := 6; i < len(fields); i++ {
			if fields[i] == "-" {
				sep = i
				break
			}
		}
		if len(fields) < 6 || sep < 0 || sep+3 >= len(fields) {
			return nil, fmt.Errorf("line %d: malformed: %q", line, sc.Text())
		}
		if fields[sep+1] != "cgroup" {
			continue
		}
		mp, err := unescapeMountField(fields[4])
		if err != nil {
			return nil, fmt.Errorf("line %d: mount point %q: %w", line, fields[4], err)
		}
		for _, opt := range strings.Split(fields[sep+3], ",") {
			if known[opt] {
				if _, dup := mounts[opt]; !dup {
					mounts[opt] = mp
				}
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return mounts, nil
}

// unescapeMountField undoes the kernel's octal escapes (\040 for a space,
// \011, \012, \134) in mountinfo paths.
func unescapeMountField(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			n, err := strconv.ParseUint(s[i+1:i+4], 8, 8)
			if err != nil {
				return "", fmt.Errorf("bad escape %q", s[i:i+4])
			}
			b.WriteByte(byte(n))
			i += 3
			continue
		}
		if s[i] == '\\' {
			return "", fmt.Errorf("truncated escape at end")
		}
		b.WriteByte(s[i])
	}
	return b.String(), nil
}
