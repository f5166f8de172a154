package container

import (
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"mycontainer/cgroups"
	"mycontainer/rootfs"

	"golang.org/x/sys/unix"
)

// Cgroup is the container's cgroup as `run` uses it: created before the
// container's first process exists, removed on every exit path.
type Cgroup struct {
	Mode    cgroups.Mode
	Parent  string
	ID      string
	Res     *cgroups.Resources
	manager cgroups.Manager
	// joinOnly: the cgroup belongs to a running container (`exec`): join
	// it, never create or remove it.
	joinOnly bool
	// subDirs (exec --cgroup): the sub-cgroups of the container's that
	// the exec'd process joins instead of the container's own.
	subDirs []string
	// lateJoin (exec --ignore-paused into a paused container): the
	// process is set up outside the frozen cgroup and joins it only when
	// it is ready to exec, so it is created and then frozen with the
	// container; joined in the stage-1 clone or start, it would stop
	// half-way and the exec would never return.
	lateJoin bool
	// devices, when set, are applied as soon as the cgroup exists, before
	// init is cloned: the friendly `run` execs its command as soon as the
	// set-up is done, with nobody waiting for a start in between.
	devices []cgroups.DeviceRule
	// warn receives a warning (no devices controller on this host).
	warn func(string)
}

// OpenCgroup names the cgroup of an OCI container: parent/id from its
// cgroupsPath. With join set, it is an existing container's cgroup.
func OpenCgroup(mode cgroups.Mode, parent, id string, res *cgroups.Resources, join bool) (*Cgroup, error) {
	m, err := cgroups.New(mode, parent, id, res)
	if err != nil {
		return nil, err
	}
	return &Cgroup{Mode: mode, Parent: parent, ID: id, Res: res, manager: m, joinOnly: join}, nil
}

// Manager exposes the cgroup's manager, for kill --all, ps, pause.
func (c *Cgroup) Manager() cgroups.Manager { return c.manager }

// Remove kills what is left in the cgroup and removes it.
func (c *Cgroup) Remove() error { return c.remove() }

// NewCgroup plans the container's cgroup. The id names the runtime's own
// PID and start time, so a later run can tell a dead container's cgroup
// from a live one without any state file (see SweepDeadRuns).
func NewCgroup(parent string, res *cgroups.Resources) (*Cgroup, error) {
	mode, err := cgroups.DetectMode()
	if err != nil {
		return nil, err
	}
	start, err := startTime(os.Getpid())
	if err != nil {
		return nil, fmt.Errorf("cgroups: read own start time: %w", err)
	}
	id := fmt.Sprintf("run-%d-%d", os.Getpid(), start)
	m, err := cgroups.New(mode, parent, id, res)
	if err != nil {
		return nil, err
	}
	return &Cgroup{Mode: mode, Parent: parent, ID: id, Res: res, manager: m}, nil
}

// Layout says what to mount at /sys/fs/cgroup inside the container.
func (c *Cgroup) Layout() (*rootfs.CgroupLayout, error) {
	if c.Mode == cgroups.Unified {
		return &rootfs.CgroupLayout{Unified: true}, nil
	}
	mounts, err := cgroups.FindV1Mounts()
	if err != nil {
		return nil, err
	}
	byMount := map[string][]string{}
	for ctrl, mp := range mounts {
		byMount[mp] = append(byMount[mp], ctrl)
	}
	l := &rootfs.CgroupLayout{Hybrid: c.Mode == cgroups.Hybrid}
	for _, ctrls := range byMount {
		sort.Strings(ctrls)
		l.V1 = append(l.V1, strings.Join(ctrls, ","))
	}
	sort.Strings(l.V1)
	return l, nil
}

// prepare is called before stage-1 starts. On v2 the cgroup is created
// now and its fd returned, so stage-1 is born inside it.
func (c *Cgroup) prepare() (int, error) {
	if !c.Mode.IsV2() {
		return -1, nil
	}
	if c.joinOnly {
		if c.lateJoin {
			return -1, nil
		}
		if c.subDirs != nil {
			return openDir(c.subDirs[0])
		}
		return c.manager.OpenFD()
	}
	c.warnIfPopulated()
	if err := c.manager.Create(); err != nil {
		return -1, err
	}
	if err := c.applyDevices(); err != nil {
		return -1, err
	}
	return c.manager.OpenFD()
}

// join puts stage-1 into the cgroup on v1, before it reads its bootstrap
// and clones init: init and everything it runs inherit the cgroup, and
// the cgroup namespace init is cloned into is rooted at it.
func (c *Cgroup) join(pid int) error {
	if c.Mode.IsV2() {
		return nil
	}
	if c.joinOnly {
		if c.lateJoin {
			return nil
		}
		return c.addExec(pid)
	}
	c.warnIfPopulated()
	if err := c.manager.Apply(pid); err != nil {
		return err
	}
	// stage-1 waits for its bootstrap: nothing of the container runs yet.
	return c.applyDevices()
}

// addExec puts an exec'd process into the container's cgroup, or into
// the sub-cgroups --cgroup named.
func (c *Cgroup) addExec(pid int) error {
	if c.subDirs != nil {
		return cgroups.JoinDirs(pid, c.subDirs)
	}
	return c.manager.AddProc(pid)
}

// SetExecSub makes an exec join the sub-cgroups named by --cgroup's
// controller -> path map (cgroups.ParseSubCgroups) instead.
func (c *Cgroup) SetExecSub(subs map[string]string) error {
	if len(subs) == 0 {
		return nil
	}
	dirs, err := cgroups.SubDirs(c.manager, c.Mode, subs)
	if err != nil {
		return err
	}
	for _, d := range dirs {
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			return fmt.Errorf("--cgroup: sub-cgroup %s does not exist (exec --cgroup joins an existing cgroup below the container's; make it first)", d)
		}
	}
	c.subDirs = dirs
	return nil
}

// openDir opens a v2 cgroup directory for CLONE_INTO_CGROUP.
func openDir(dir string) (int, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open cgroup %s: %w", dir, err)
	}
	return fd, nil
}

// warnIfPopulated says so when the cgroup a new container goes into
// already holds processes (another container's cgroupsPath, say): the
// limits, kill --all and delete then reach them too. runc warns the same.
func (c *Cgroup) warnIfPopulated() {
	if c.warn == nil {
		return
	}
	if pids, err := c.manager.Pids(); err == nil && len(pids) > 0 {
		c.warn(fmt.Sprintf("cgroup %s already holds %d process(es) (for example pid %d): the container shares it, and its limits, kill --all and delete reach them too", c.manager.Path(), len(pids), pids[0]))
	}
}

// applyDevices installs the early device rules, if any.
func (c *Cgroup) applyDevices() error {
	if c.devices == nil {
		return nil
	}
	err := c.manager.SetDevices(c.devices)
	if errors.Is(err, cgroups.ErrNoDevicesController) {
		if c.warn != nil {
			c.warn("no devices cgroup is mounted: the device allow-list is not enforced")
		}
		return nil
	}
	return err
}

// checkThawed refuses to start a process into a frozen cgroup (its own
// or under a frozen ancestor): the kernel stops it at once, and stage-1
// sat in D state before it could say anything, so `run -d` and `create`
// never returned. An exec's cgroup is a running container's: if that one
// is frozen, the container was paused.
func (c *Cgroup) checkThawed() error {
	err := c.manager.CheckNotFrozen()
	var fe *cgroups.FrozenError
	if errors.As(err, &fe) && fe.Own && c.joinOnly {
		fe.Paused = true
	}
	return err
}

// paused reports whether the cgroup is frozen. A freezer that cannot be
// read counts as not paused: state and delete must still answer.
func (c *Cgroup) paused() bool {
	frozen, err := c.manager.Frozen()
	return err == nil && frozen
}

// oomKills counts the OOM killer's kills in the cgroup; a count that
// cannot be read is 0 (no memory controller: nothing to report).
func (c *Cgroup) oomKills() uint64 {
	n, err := c.manager.OOMKills()
	if err != nil {
		return 0
	}
	return n
}

// remove kills whatever is left and removes the cgroup. After `run` the
// cgroup is normally empty already: the kernel kills a PID namespace's
// processes before its init's exit completes. Then the kill (on v1 a
// freeze/kill/thaw round) is skipped.
func (c *Cgroup) remove() error {
	if pids, err := c.manager.Pids(); err == nil && len(pids) == 0 {
		return c.manager.Destroy()
	}
	killErr := c.manager.Kill()
	if err := c.manager.Destroy(); err != nil {
		return err
	}
	return killErr
}

// SweepDeadRuns removes the cgroups that earlier runs left behind when
// they were SIGKILLed (their container died with them through
// PDEATHSIG, but nobody removed the cgroup). A cgroup belongs to a dead
// run when the PID in its id is gone or now has another start time.
func SweepDeadRuns(mode cgroups.Mode, parent string) error {
	// Every hierarchy: the directories are made one hierarchy after
	// another, so a run killed half-way has its name in only some.
	names, err := cgroups.Children(mode, parent)
	if err != nil {
		return err
	}
	for _, name := range names {
		if !strings.HasPrefix(name, "run-") || runAlive(name) {
			continue
		}
		m, err := cgroups.New(mode, parent, name, nil)
		if err != nil {
			return err
		}
		if err := m.Kill(); err != nil {
			return err
		}
		if err := m.Destroy(); err != nil {
			return err
		}
	}
	return nil
}

func runAlive(id string) bool {
	f := strings.Split(id, "-")
	if len(f) != 3 {
		return true // not ours to judge
	}
	pid, err1 := strconv.Atoi(f[1])
	start, err2 := strconv.ParseUint(f[2], 10, 64)
	if err1 != nil || err2 != nil {
		return true
	}
	got, err := startTime(pid)
	return err == nil && got == start
}

// startTime is field 22 of /proc/PID/stat: the process's start time in
// clock ticks since boot. With the PID it names one process for good.
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name (field 2) may hold spaces; count from its ")".
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: malformed", pid)
	}
	return strconv.ParseUint(f[19], 10, 64)
}

// describeMemory names the limit that was hit, for the OOM message.
func (c *Cgroup) describeMemory() string {
	if c.joinOnly {
		// exec knows no resources of its own: the container's limit is
		// whatever its cgroup holds now (update may have changed it).
		if s, err := c.manager.Stats(); err == nil && s.MemoryLimit > 0 {
			return fmt.Sprintf(" of %s (the container's memory limit)", humanBytes(s.MemoryLimit))
		}
		return " (the container's, or an enclosing cgroup's)"
	}
	if c.Res == nil || c.Res.Memory <= 0 {
		return " (no --memory was set: the limit of an enclosing cgroup)"
	}
	return fmt.Sprintf(" of %s (--memory %d)", humanBytes(c.Res.Memory), c.Res.Memory)
}

func humanBytes(n int64) string {
	for _, u := range []struct {
		shift uint
		name  string
	}{{30, "GiB"}, {20, "MiB"}, {10, "KiB"}} {
		if n >= 1<<u.shift && n%(1<<u.shift) == 0 {
			return fmt.Sprintf("%d %s", n>>u.shift, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
