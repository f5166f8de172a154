package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// v2Manager puts the container into <mount>/<parent>/<id> of the unified
// hierarchy.
//
// The "no internal processes" rule shapes it: a non-root cgroup that
// enables controllers for its children in cgroup.subtree_control may not
// hold processes itself (the kernel answers EBUSY to both orders). So the
// processes live only in the leaf (the container's directory), the
// parents only pass controllers down, and the leaf never enables any.
// The root cgroup is exempt, which is why writing the mount's own
// subtree_control works on a normal host; inside a cgroup namespace whose
// root holds processes (a runtime inside a container) the write fails, and
// the error says why.
type v2Manager struct {
	fs    fsOps
	kill  killer
	mount string
	rel   string
	res   Resources
	// attachDevices loads and attaches the device filter: the seam that
	// lets unit tests see the program without bpf(2).
	attachDevices func(cgroupDir string, prog []bpfInsn) error
	// parents are the directories above the container's own that Create
	// made (teardown.go), for Destroy to remove.
	parents []string

	killTimeout    time.Duration
	destroyTimeout time.Duration
}

func newV2(fs fsOps, mount, rel string, res Resources) *v2Manager {
	return &v2Manager{
		fs: fs, kill: unix.Kill, attachDevices: attachDeviceProgram,
		mount: mount, rel: rel, res: res,
		killTimeout: KillTimeout, destroyTimeout: DestroyTimeout,
	}
}

func (m *v2Manager) Path() string { return filepath.Join(m.mount, m.rel) }

func (m *v2Manager) Paths() map[string]string { return map[string]string{"": m.Path()} }

// v2Order is the order controllers are enabled in; it only matters for
// the test's expectations.
var v2Order = []string{"cpuset", "cpu", "io", "memory", "pids", "hugetlb"}

// controllers returns the controllers to enable: required ones carry a
// limit and must exist; memory and pids are also enabled when available,
// so Stats and OOMKills work without a limit.
func (m *v2Manager) controllers() (required, optional map[string]bool) {
	r := &m.res
	required = map[string]bool{
		"memory": r.Memory != 0 || r.MemorySwap != 0 || r.MemoryReservation != 0,
		"cpu":    r.CPUQuota != 0 || r.CPUPeriod != 0 || r.CPUShares != 0,
		"cpuset": r.CpusetCpus != "" || r.CpusetMems != "",
		"pids":   r.PidsLimit != 0,
		"io":     r.BlkioWeight != 0,
	}
	for _, f := range r.Files {
		required[f.Controller] = true
	}
	optional = map[string]bool{"memory": true, "pids": true}
	return required, optional
}

func (m *v2Manager) Create() error {
	made, err := m.create()
	for try := 1; errors.Is(err, errParentGone) && try < createRetries; try++ {
		made, err = m.create()
	}
	if err == nil {
		return nil
	}
	errs := []error{err}
	if made {
		if rerr := m.fs.Rmdir(m.Path()); rerr != nil && !isNotExist(rerr) {
			errs = append(errs, stepErr("clean up after failed create", rerr, ""))
		}
	}
	if rerr := m.removeParents(); rerr != nil {
		errs = append(errs, rerr)
	}
	return errors.Join(errs...)
}

func (m *v2Manager) create() (made bool, err error) {
	required, optional := m.controllers()
	want := map[string]bool{}
	for c := range required {
		if required[c] || optional[c] {
			want[c] = true
		}
	}
	cur := m.mount
	comps := strings.Split(m.rel, "/")
	for i, c := range comps {
		if err := m.enable(cur, want, required); err != nil {
			return false, err
		}
		cur = filepath.Join(cur, c)
		err := m.fs.Mkdir(cur)
		switch {
		case err == nil:
			made = i == len(comps)-1
			if madeParent(comps, i) {
				m.parents = append(m.parents, strings.Join(comps[:i+1], "/"))
			}
		case errors.Is(err, unix.EEXIST):
		case errors.Is(err, unix.ENOENT) && i > 0:
			return false, errParentGone
		default:
			return false, stepErr("create cgroup", err, "")
		}
	}
	ws, err := m.plan()
	if err != nil {
		return made, err
	}
	return made, runWrites(m.fs, ws)
}

// enable turns on, in dir's cgroup.subtree_control, the wanted controllers
// dir offers (cgroup.controllers) and has not enabled yet. One controller
// per write, so an error names the one the kernel refused. A controller
// dir does not offer is dropped from want (so the levels below do not try
// it), unless a limit needs it.
func (m *v2Manager) enable(dir string, want, required map[string]bool) error {
	avail, err := readTrim(m.fs, filepath.Join(dir, "cgroup.controllers"))
	if err != nil {
		return stepErr("enable controllers", err, "")
	}
	on, err := readTrim(m.fs, filepath.Join(dir, "cgroup.subtree_control"))
	if err != nil {
		return stepErr("enable controllers", err, "")
	}
	has := func(list, c string) bool {
		for _, f := range strings.Fields(list) {
			if f == c {
				return true
			}
		}
		return false
	}
	for _, c := range v2Order {
		if !want[c] {
			continue
		}
		if !has(avail, c) {
			if required[c] {
				for _, f := range m.res.Files {
					if f.Controller == c {
						return fmt.Errorf("%s: the %s controller is not available here: %s does not offer it (%q)", f.Field, c, filepath.Join(dir, "cgroup.controllers"), avail)
					}
				}
				return fmt.Errorf("cgroups: enable controllers: a limit needs the %s controller, but %s does not offer it (%q); on a hybrid host it is bound to a v1 hierarchy, under delegation the parent did not delegate it", c, filepath.Join(dir, "cgroup.controllers"), avail)
			}
			delete(want, c)
			continue
		}
		if has(on, c) {
			continue
		}
		w := limitWrite{Step: "enable controller " + c, Path: filepath.Join(dir, "cgroup.subtree_control"), Value: "+" + c, hint: func(_ fsOps, e unix.Errno) string {
			return hintFor(e, unix.EBUSY, "cgroup v2 no-internal-processes rule: "+dir+" holds processes itself, so it cannot hand controllers to child cgroups; move them into a leaf cgroup first") +
				hintFor(e, unix.ENOENT, "the controller is bound to a v1 hierarchy or not delegated")
		}}
		if err := runWrites(m.fs, []limitWrite{w}); err != nil {
			return err
		}
	}
	return nil
}

func (m *v2Manager) Apply(pid int) error {
	if err := m.Create(); err != nil {
		return err
	}
	return m.AddProc(pid)
}

func (m *v2Manager) AddProc(pid int) error {
	return runWrites(m.fs, []limitWrite{{Step: fmt.Sprintf("add process %d", pid), Path: filepath.Join(m.Path(), "cgroup.procs"), Value: itoa(int64(pid)), hint: pidHint}})
}

// OpenFD opens the directory O_PATH: clone3 takes the cgroup through
// fget_raw, so a path-only descriptor is enough and needs no read access.
func (m *v2Manager) OpenFD() (int, error) {
	fd, err := unix.Open(m.Path(), unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, stepErr("open cgroup fd", &FileError{Op: "open", Path: m.Path(), Err: err}, "")
	}
	return fd, nil
}

func (m *v2Manager) Destroy() error {
	if err := removeTree(m.fs, m.Path(), m.destroyTimeout); err != nil {
		return err
	}
	return m.removeParents()
}

func (m *v2Manager) MadeParents() []string       { return m.parents }
func (m *v2Manager) SetMadeParents(rel []string) { m.parents = rel }

func (m *v2Manager) removeParents() error {
	var dirs []string
	for _, rel := range m.parents {
		dirs = append(dirs, filepath.Join(m.mount, rel))
	}
	m.parents = nil
	return removeMadeParents(m.fs, dirs)
}

// Pids lists the processes in the cgroup's own cgroup.procs; those of
// child cgroups the container made are not listed.
func (m *v2Manager) Pids() ([]int, error) {
	pids, err := readPids(m.fs, filepath.Join(m.Path(), "cgroup.procs"))
	if err != nil {
		return nil, stepErr("list processes", err, "")
	}
	return pids, nil
}
