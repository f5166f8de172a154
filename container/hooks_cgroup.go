package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"mycontainer/cgroups"

	"golang.org/x/sys/unix"
)

// hookCgroup puts the createContainer hooks into the container's cgroup,
// as runc's are (it runs them from its init, inside): what a hook uses is
// the container's, and a device or memory limit holds for it too. The
// hooks run from one locked thread of the runtime (runContainerHooks):
//   - on v1 that thread itself moves into the container's cgroup in each
//     hierarchy ("tasks" moves one thread, not the runtime), so that the
//     children it forks are born there, and moves back after the hooks:
//     the thread stays parked for the runtime's life, and a thread left
//     in the container's cgroup would keep `run` from removing it;
//   - on v2 (and a hybrid host's unified hierarchy, where one thread of a
//     domain cgroup cannot move alone) each hook is cloned straight into
//     it with CLONE_INTO_CGROUP.
type hookCgroup struct {
	dirs   map[string]string // v1 mount point -> the container's directory in it
	v2Dir  string            // the container's cgroup2 directory, or ""
	back   []string          // v1 directories the thread came from, to return to
	mounts []string          // the hierarchy of each of back
	fd     int               // v2Dir opened for CLONE_INTO_CGROUP, or -1
	tid    int               // the hook thread
	newNS  bool              // each hook unshares a cgroup namespace (see runContainerHooks)
}

// newHookCgroup reads where the container's cgroup is; nil (no cgroup of
// its own: --cgroup-manager disabled) runs the hooks where the runtime is.
func newHookCgroup(cg *Cgroup) (*hookCgroup, error) {
	h := &hookCgroup{dirs: map[string]string{}, fd: -1}
	if cg == nil {
		return h, nil
	}
	paths := cg.Manager().Paths()
	if cg.Mode.IsV2() {
		h.v2Dir = paths[""]
		return h, nil
	}
	h.v2Dir = paths["unified"] // hybrid: the container joins it too ("" if not)
	mounts, err := cgroups.FindV1Mounts()
	if err != nil {
		return nil, err
	}
	for ctrl, dir := range paths {
		if mp := mounts[ctrl]; mp != "" && ctrl != "unified" {
			h.dirs[mp] = dir
		}
	}
	return h, nil
}

// enter moves the calling (locked) thread into the container's v1
// cgroups and opens its v2 directory. leave, from another thread of the
// runtime once the hooks are done, undoes it, even after a failure
// half-way.
func (h *hookCgroup) enter() error {
	h.tid = unix.Gettid()
	tid := strconv.Itoa(h.tid)
	self, err := threadCgroups()
	if err != nil {
		return err
	}
	mounts, err := cgroups.FindV1Mounts()
	if err != nil {
		return err
	}
	for _, l := range self {
		mp := mounts[l.ctrls[0]]
		dir, ok := h.dirs[mp]
		if !ok {
			continue
		}
		// Recorded first: a failed write may still have moved it.
		h.back = append(h.back, filepath.Join(mp, l.path))
		h.mounts = append(h.mounts, mp)
		if err := os.WriteFile(filepath.Join(dir, "tasks"), []byte(tid), 0); err != nil {
			return fmt.Errorf("createContainer hooks: join the container's cgroup %s: %w", dir, err)
		}
	}
	if h.v2Dir != "" {
		if h.fd, err = unix.Open(h.v2Dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0); err != nil {
			return fmt.Errorf("createContainer hooks: open the container's cgroup %s: %w", h.v2Dir, err)
		}
	}
	return nil
}

func (h *hookCgroup) leave() error {
	if h.fd >= 0 {
		unix.Close(h.fd)
		h.fd = -1
	}
	tid := strconv.Itoa(h.tid)
	var failed error
	for i, dir := range h.back {
		err := os.WriteFile(filepath.Join(dir, "tasks"), []byte(tid), 0)
		if err != nil {
			// Its cgroup is gone: the hierarchy's root then. A runtime
			// thread left in the container's cgroup would be frozen with
			// it when the container is killed (the freezer stops every
			// task before the kill), and the runtime could never exit.
			err = os.WriteFile(filepath.Join(h.mounts[i], "tasks"), []byte(tid), 0)
		}
		if err != nil && failed == nil {
			failed = fmt.Errorf("createContainer hooks: return the runtime's hook thread to %s: %w", dir, err)
		}
	}
	h.back, h.mounts = nil, nil
	return failed
}

// intoV2 is true when the hooks are cloned into the container's v2
// cgroup (after enter).
func (h *hookCgroup) intoV2() bool { return h != nil && h.fd >= 0 }

// sysProcAttr clones a hook into the container's v2 cgroup, if any, and
// gives it a cgroup namespace rooted there when the container has one.
func (h *hookCgroup) sysProcAttr() *syscall.SysProcAttr {
	if !h.intoV2() {
		return nil
	}
	a := &syscall.SysProcAttr{UseCgroupFD: true, CgroupFD: h.fd}
	if h.newNS {
		a.Unshareflags = unix.CLONE_NEWCGROUP
	}
	return a
}

// otherCgroupNS says whether init's cgroup namespace is not the runtime's.
func otherCgroupNS(initPID int) (bool, error) {
	var self, theirs unix.Stat_t
	if err := unix.Stat("/proc/self/ns/cgroup", &self); err != nil {
		return false, fmt.Errorf("stat the runtime's cgroup namespace: %w", err)
	}
	p := fmt.Sprintf("/proc/%d/ns/cgroup", initPID)
	if err := unix.Stat(p, &theirs); err != nil {
		return false, fmt.Errorf("stat the container's cgroup namespace %s: %w", p, err)
	}
	return self.Ino != theirs.Ino || self.Dev != theirs.Dev, nil
}

type cgroupLine struct {
	ctrls []string
	path  string
}

// threadCgroups reads the calling thread's v1 cgroups (its own: a v1
// thread may sit apart from its process).
func threadCgroups() ([]cgroupLine, error) {
	b, err := os.ReadFile("/proc/thread-self/cgroup")
	if err != nil {
		return nil, fmt.Errorf("createContainer hooks: read the hook thread's cgroups: %w", err)
	}
	var out []cgroupLine
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 || f[1] == "" {
			continue // the v2 line
		}
		out = append(out, cgroupLine{ctrls: strings.Split(f[1], ","), path: f[2]})
	}
	return out, nil
}
