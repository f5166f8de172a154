package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// v1Manager puts the container into one directory per v1 hierarchy.
type v1Manager struct {
	fs     fsOps
	kill   killer
	mounts V1Mounts // only the controllers of v1Controllers that are mounted
	rel    string   // <parent>/<id>
	res    Resources
	// parents are the levels above the container's own that Create made
	// (teardown.go), below each mount, for Destroy to remove.
	parents []string

	killTimeout    time.Duration
	destroyTimeout time.Duration
}

func newV1(fs fsOps, mounts V1Mounts, rel string, res Resources) (*v1Manager, error) {
	m := &v1Manager{
		fs: fs, kill: unix.Kill, mounts: V1Mounts{}, rel: rel, res: res,
		killTimeout: KillTimeout, destroyTimeout: DestroyTimeout,
	}
	for _, c := range v1Controllers {
		if mp, ok := mounts[c]; ok {
			m.mounts[c] = mp
		}
	}
	// A limit whose controller is not mounted would be silently ignored;
	// refuse instead.
	need := []struct {
		asked bool
		ctrl  string
		flag  string
	}{
		{res.Memory != 0 || res.MemorySwap != 0 || res.MemoryReservation != 0, "memory", "--memory/--memory-swap/--memory-reservation"},
		{res.CPUQuota != 0 || res.CPUPeriod != 0 || res.CPUShares != 0, "cpu", "--cpus/--cpu-shares"},
		{res.CpusetCpus != "" || res.CpusetMems != "", "cpuset", "--cpuset-cpus/--cpuset-mems"},
		{res.PidsLimit != 0, "pids", "--pids-limit"},
		{res.BlkioWeight != 0, "blkio", "--blkio-weight"},
	}
	for _, n := range need {
		if n.asked && m.mounts[n.ctrl] == "" {
			return nil, fmt.Errorf("cgroups: %s needs the v1 %s controller, but no hierarchy with it is mounted (see /proc/self/mountinfo)", n.flag, n.ctrl)
		}
	}
	if len(m.mounts) == 0 {
		return nil, fmt.Errorf("cgroups: no v1 hierarchy of %s is mounted (see /proc/self/mountinfo)", strings.Join(v1Controllers, ", "))
	}
	return m, nil
}

func (m *v1Manager) dir(ctrl string) string {
	if m.mounts[ctrl] == "" {
		return ""
	}
	return filepath.Join(m.mounts[ctrl], m.rel)
}

// hierarchies are the distinct mount points, sorted: co-mounted
// controllers ("cpu,cpuacct") share one directory, created once.
func (m *v1Manager) hierarchies() []string {
	seen := map[string]bool{}
	var mps []string
	for _, mp := range m.mounts {
		if !seen[mp] {
			seen[mp] = true
			mps = append(mps, mp)
		}
	}
	sort.Strings(mps)
	return mps
}

func (m *v1Manager) dirs() []string {
	var ds []string
	for _, mp := range m.hierarchies() {
		ds = append(ds, filepath.Join(mp, m.rel))
	}
	return ds
}

func (m *v1Manager) Path() string {
	if d := m.dir("memory"); d != "" {
		return d
	}
	return m.dirs()[0]
}

func (m *v1Manager) Paths() map[string]string {
	p := map[string]string{}
	for c := range m.mounts {
		p[c] = m.dir(c)
	}
	return p
}

func (m *v1Manager) Create() error {
	var made []string
	err := m.create(&made)
	for try := 1; errors.Is(err, errParentGone) && try < createRetries; try++ {
		err = m.create(&made)
	}
	if err == nil {
		return nil
	}
	// The container's own directories, then the parents it made while
	// nothing else uses them.
	errs := []error{err}
	for i := len(made) - 1; i >= 0; i-- {
		if rerr := m.fs.Rmdir(made[i]); rerr != nil && !isNotExist(rerr) {
			errs = append(errs, stepErr("clean up after failed create", rerr, ""))
		}
	}
	if rerr := m.removeParents(); rerr != nil {
		errs = append(errs, rerr)
	}
	return errors.Join(errs...)
}

func (m *v1Manager) create(made *[]string) error {
	cpusetMount := m.mounts["cpuset"]
	comps := strings.Split(m.rel, "/")
	for _, mp := range m.hierarchies() {
		cur := mp
		for i, c := range comps {
			parent := cur
			cur = filepath.Join(cur, c)
			err := m.fs.Mkdir(cur)
			switch {
			case err == nil:
				if i == len(comps)-1 {
					*made = append(*made, cur)
				} else if rel := strings.Join(comps[:i+1], "/"); madeParent(comps, i) && !slices.Contains(m.parents, rel) {
					m.parents = append(m.parents, rel)
				}
			case errors.Is(err, unix.EEXIST):
			case errors.Is(err, unix.ENOENT) && i > 0:
				return errParentGone
			default:
				return stepErr("create cgroup", err, "")
			}
			if mp == cpusetMount {
				if err := m.inheritCpuset(parent, cur); err != nil {
					return err
				}
			}
		}
	}
	ws, err := m.plan()
	if err != nil {
		return err
	}
	return runWrites(m.fs, ws)
}

// inheritCpuset copies cpuset.cpus and cpuset.mems from the parent when
// they are empty. A new v1 cpuset starts with both empty (unless the
// parent has cgroup.clone_children set, which we do not rely on), and the
// kernel refuses any process in it with ENOSPC; it also refuses values a
// level below an empty parent (EACCES, measured). So every level, the
// project parent included, is filled top-down.
func (m *v1Manager) inheritCpuset(parent, dir string) error {
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		v, err := readTrim(m.fs, filepath.Join(dir, f))
		if err != nil {
			return stepErr("prepare cpuset", err, "")
		}
		if v != "" {
			continue
		}
		pv, err := readTrim(m.fs, filepath.Join(parent, f))
		if err != nil {
			return stepErr("prepare cpuset", err, "")
		}
		if pv == "" {
			return stepErr("prepare cpuset", fmt.Errorf("%s is empty in the parent %s too", f, parent), "")
		}
		if err := runWrites(m.fs, []limitWrite{{Step: "copy " + f + " from the parent", Path: filepath.Join(dir, f), Value: pv}}); err != nil {
			return err
		}
	}
	return nil
}

func (m *v1Manager) Apply(pid int) error {
	if err := m.Create(); err != nil {
		return err
	}
	return m.AddProc(pid)
}

// AddProc writes pid into cgroup.procs of every hierarchy. cgroup.procs
// moves the whole thread group; "tasks" would move one thread.
func (m *v1Manager) AddProc(pid int) error {
	for _, d := range m.dirs() {
		w := limitWrite{Step: fmt.Sprintf("add process %d", pid), Path: filepath.Join(d, "cgroup.procs"), Value: itoa(int64(pid)), hint: pidHint}
		if err := runWrites(m.fs, []limitWrite{w}); err != nil {
			return err
		}
	}
	return nil
}

func (m *v1Manager) OpenFD() (int, error) {
	return -1, fmt.Errorf("cgroups: open cgroup fd: CLONE_INTO_CGROUP needs cgroup v2; on a v1 host use AddProc")
}

// Destroy removes the container's directory in every hierarchy, child
// cgroups first.
func (m *v1Manager) Destroy() error {
	var errs []error
	for _, d := range m.dirs() {
		if err := removeTree(m.fs, d, m.destroyTimeout); err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) == 0 {
		errs = append(errs, m.removeParents())
	}
	return errors.Join(errs...)
}

func (m *v1Manager) MadeParents() []string       { return m.parents }
func (m *v1Manager) SetMadeParents(rel []string) { m.parents = rel }

// removeParents removes the made parents in every hierarchy.
func (m *v1Manager) removeParents() error {
	var dirs []string
	for _, rel := range m.parents {
		for _, mp := range m.hierarchies() {
			dirs = append(dirs, filepath.Join(mp, rel))
		}
	}
	m.parents = nil
	return removeMadeParents(m.fs, dirs)
}

// Pids lists the processes in the main directory's cgroup.procs: every
// hierarchy holds the same ones. Those of child cgroups the container
// made are not listed.
func (m *v1Manager) Pids() ([]int, error) {
	pids, err := readPids(m.fs, filepath.Join(m.Path(), "cgroup.procs"))
	if err != nil {
		return nil, stepErr("list processes", err, "")
	}
	return pids, nil
}
