package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Mode is the cgroup layout of the host.
type Mode int

const (
	// Legacy: only cgroup v1 hierarchies, one per controller group.
	Legacy Mode = iota + 1
	// Hybrid: v1 hierarchies hold the controllers, and a cgroup2 tree is
	// mounted at /sys/fs/cgroup/unified (often with no controller but
	// hugetlb). Limits go through v1.
	Hybrid
	// Unified: /sys/fs/cgroup is cgroup2 and holds every controller.
	Unified
)

// The zero Mode is deliberately not a layout, so a Mode that was never
// detected is caught instead of silently meaning v1.

func (m Mode) String() string {
	switch m {
	case Legacy:
		return "legacy"
	case Hybrid:
		return "hybrid"
	case Unified:
		return "unified"
	}
	return fmt.Sprintf("unknown(%d)", int(m))
}

// IsV2 reports whether limits go through the cgroup2 manager.
func (m Mode) IsV2() bool { return m == Unified }

// DefaultMount is where every supported distribution mounts cgroupfs.
const DefaultMount = "/sys/fs/cgroup"

// DetectMode reads the filesystem magic of /sys/fs/cgroup, as systemd does:
// cgroup2 there means Unified; a tmpfs means v1 hierarchies below it, and
// then a cgroup2 mount at /sys/fs/cgroup/unified means Hybrid, none means
// Legacy.
func DetectMode() (Mode, error) {
	return detectMode(DefaultMount, unix.Statfs)
}

func detectMode(root string, statfs func(string, *unix.Statfs_t) error) (Mode, error) {
	var st unix.Statfs_t
	if err := statfs(root, &st); err != nil {
		return 0, fmt.Errorf("cgroups: detect mode: statfs %s: %w", root, err)
	}
	switch int64(st.Type) {
	case unix.CGROUP2_SUPER_MAGIC:
		return Unified, nil
	case unix.CGROUP_SUPER_MAGIC:
		// A single v1 hierarchy mounted straight on /sys/fs/cgroup.
		return Legacy, nil
	case unix.TMPFS_MAGIC:
	default:
		return 0, fmt.Errorf("cgroups: detect mode: %s is neither cgroup2 nor a tmpfs holding v1 hierarchies (filesystem magic %#x); is cgroupfs mounted?", root, st.Type)
	}
	unified := filepath.Join(root, "unified")
	var ust unix.Statfs_t
	err := statfs(unified, &ust)
	if errors.Is(err, unix.ENOENT) {
		return Legacy, nil
	}
	if err != nil {
		return 0, fmt.Errorf("cgroups: detect mode: statfs %s: %w", unified, err)
	}
	if int64(ust.Type) == unix.CGROUP2_SUPER_MAGIC {
		return Hybrid, nil
	}
	// An empty directory on the tmpfs: systemd made it but mounted nothing.
	return Legacy, nil
}
