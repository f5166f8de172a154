package cgroups

import (
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"mycontainer/state"

	"golang.org/x/sys/unix"
)

// Manager owns one container's cgroup.
type Manager interface {
	// Path is the main directory, for messages: the v2 directory, or the
	// memory hierarchy's directory on v1.
	Path() string
	// Paths maps each v1 controller to its directory; on v2 the only key
	// is "" and the value is Path().
	Paths() map[string]string
	// Create makes the directories and writes the limits, without adding
	// a process. It is what CLONE_INTO_CGROUP needs before OpenFD. If it
	// fails, it removes the directories it made.
	Create() error
	// Apply is Create followed by AddProc(pid). If AddProc fails, the
	// directories stay: call Kill and Destroy.
	Apply(pid int) error
	// AddProc moves pid (and all its threads) into the cgroup, in every
	// hierarchy on v1.
	AddProc(pid int) error
	// OpenFD returns an O_PATH|O_DIRECTORY|O_CLOEXEC descriptor of the v2
	// directory for clone3's CLONE_INTO_CGROUP. The caller closes it.
	// v1 has no such thing and returns an error.
	OpenFD() (int, error)
	// Stats reads the current usage.
	Stats() (Stats, error)
	// Pids lists the processes in the cgroup (kill --all, ps).
	Pids() ([]int, error)
	// Freeze stops every process in the cgroup (pause), waiting up to
	// FreezeSettle for the freeze to complete.
	Freeze() error
	// Thaw lets the processes run again (resume).
	Thaw() error
	// Frozen reports whether the cgroup is frozen (paused).
	Frozen() (bool, error)
	// CheckNotFrozen returns a *FrozenError when the cgroup or one of its
	// ancestors is frozen: a process started into it would stop at once.
	CheckNotFrozen() error
	// SetDevices enforces device rules (then DefaultDeviceRules): v1's
	// devices.allow/deny, an eBPF program on v2. On v1 without a devices
	// hierarchy it returns ErrNoDevicesController.
	SetDevices(rules []DeviceRule) error
	// OOMKills counts the processes the kernel's OOM killer killed inside
	// the cgroup since it was made. A count, not a flag: exec compares it
	// before and after its process, in a container that may have seen
	// earlier kills.
	OOMKills() (uint64, error)
	// Kill SIGKILLs every process in the cgroup and waits, bounded by
	// KillTimeout, until none is left.
	Kill() error
	// Destroy removes the directories once the cgroup is empty, retrying
	// EBUSY for up to DestroyTimeout, then the parents Create made while
	// nothing else uses them. A directory that is already gone is not an
	// error.
	Destroy() error
	// MadeParents are the levels above the container's own that Create
	// made, as paths below the mount; SetMadeParents gives them to a
	// manager opened later (the OCI delete), which Destroy then removes.
	MadeParents() []string
	SetMadeParents(rel []string)
}

// DefaultParent is the cgroup under which containers live.
const DefaultParent = "mycontainer"

// hybridKey is the unified hierarchy's entry among a hybrid host's v1
// mounts: no controller has that name.
const hybridKey = "unified"

// HybridUnifiedMount is where a hybrid host mounts the v2 hierarchy.
func HybridUnifiedMount() string { return filepath.Join(DefaultMount, "unified") }

// RootParent names the mount point itself as the parent: an OCI
// cgroupsPath of one absolute component ("/name") is the cgroup <mount>/name.
const RootParent = "/"

// Bounds of the waits. Variables so tests of callers can shorten them;
// New copies them into the manager, so a change affects later managers.
var (
	// KillTimeout bounds Kill's wait for the cgroup to empty (and, on v1,
	// for the freezer to settle).
	KillTimeout = 5 * time.Second
	// DestroyTimeout bounds Destroy's EBUSY retries.
	DestroyTimeout = 2 * time.Second
)

// checkName applies the container ID rule (state.NameRule) to a cgroup
// path component: the container's cgroup is named after its ID, so one
// rule serves both, and it keeps a component from being "." or "..".
func checkName(what, s string) error {
	if err := state.CheckName(what, s); err != nil {
		return fmt.Errorf("cgroups: %w", err)
	}
	return nil
}

// relPath checks parent and id and joins them. The parent may have
// several components ("mycontainer/tests"); none may be "..", so the
// cgroup can never leave the mount.
func relPath(parent, id string) (string, error) {
	if parent == "" {
		parent = DefaultParent
	}
	if parent == RootParent {
		if err := checkName("container id", id); err != nil {
			return "", err
		}
		return id, nil
	}
	for _, c := range strings.Split(parent, "/") {
		if err := checkName("cgroup parent", c); err != nil {
			return "", fmt.Errorf("%w (in parent %q)", err, parent)
		}
	}
	if err := checkName("container id", id); err != nil {
		return "", err
	}
	return filepath.Join(parent, id), nil
}

// New returns the manager for mode: the v1 manager for Legacy and Hybrid
// (controllers are bound to v1 there), the v2 manager for Unified. The
// cgroup is <mount>/<parent>/<id>; parent "" means DefaultParent and
// RootParent the mount point itself; res nil
// means no limits. Nothing is created until Create or Apply.
func New(mode Mode, parent, id string, res *Resources) (Manager, error) {
	if res == nil {
		res = &Resources{}
	}
	if err := res.Validate(); err != nil {
		return nil, err
	}
	rel, err := relPath(parent, id)
	if err != nil {
		return nil, err
	}
	switch mode {
	case Legacy, Hybrid:
		mounts, err := FindV1Mounts()
		if err != nil {
			return nil, err
		}
		m, err := newV1(hostFS{}, mounts, rel, *res)
		if err != nil {
			return nil, err // not a typed nil inside the interface
		}
		if mode == Hybrid {
			// The container joins the v2 unified hierarchy too (as runc
			// does): its 0::/ line names its own cgroup, and tools that
			// read it (systemd-cgls, hugetlb there) see it. No controller
			// is used there, so it is one more directory to make, join
			// and remove.
			m.mounts[hybridKey] = HybridUnifiedMount()
		}
		return m, nil
	case Unified:
		return newV2(hostFS{}, DefaultMount, rel, *res), nil
	}
	return nil, fmt.Errorf("cgroups: new manager: unknown mode %v", mode)
}

// killer is the seam for kill(2), so unit tests never signal real PIDs.
type killer func(pid int, sig unix.Signal) error
