package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mycontainer/cgroups"
	"mycontainer/ocilog"
	"mycontainer/state"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// OCI is the runc-compatible command layer: every verb works on the state
// store under --root and logs errors the way engines read them.
type OCI struct {
	Store *state.Store
	Log   *ocilog.Logger
	Debug bool
	// NoCgroups: --cgroup-manager disabled. The container gets no cgroup
	// of its own (and its resources are refused).
	NoCgroups bool
	// EngineCall: the call came from an engine (--log-format json, which
	// containerd's shim and conmon always pass). containerd's shim
	// deletes a created task with a plain `delete ID` and relies on
	// runc's destroying it; only that exact call keeps runc's looser
	// rule (see Delete).
	EngineCall bool

	// Origin is when the runtime started (CLOCK_MONOTONIC ns), the zero
	// of the --debug start-up timeline.
	Origin uint64

	// What create loaded and saved, reused by run's delete.
	lastSpec  *specs.Spec
	lastState *state.State
}

// logTimeline writes the start-up timeline as debug lines of the log.
func (o *OCI) logTimeline(t *Timeline) {
	var b strings.Builder
	t.Print(&b)
	for line := range strings.Lines(b.String()) {
		o.Log.Debugf("%s", strings.TrimSuffix(line, "\n"))
	}
}

// CreateOptions are `create`'s flags (and `run --bundle`'s).
type CreateOptions struct {
	ID, Bundle, PidFile, ConsoleSocket string
	PreserveFds                        int      // the caller's fds 3 to 3+N-1 go to the process
	ExtraEnv                           []string // appended to process.env (socket activation's LISTEN_FDS, LISTEN_PID)
	Stdin, Stdout, Stderr              *os.File
}

// Create sets a container up and leaves it waiting, before its command,
// until Start. The runtime then exits: the engine's monitor adopts init.
func (o *OCI) Create(c CreateOptions) error {
	_, err := o.create(c, true)
	return err
}

// loaded is a container's state with its spec.
type loaded struct {
	st   *state.State
	spec *specs.Spec // Linux.Seccomp left nil: see seccompRaw
	// seccompRaw is the stored linux.seccomp, undecoded: of the verbs
	// only exec needs the profile, and decoding docker's default one in
	// every start, kill, delete and state cost more than the rest of
	// the config.
	seccompRaw []byte
}

// cgroupPath splits linux.cgroupsPath into parent and leaf, following
// config-linux.md: an absolute path is relative to the cgroup mount point
// ("/a" is <mount>/a, not under mycontainer/); a relative one is relative
// to a place the runtime picks, which for mycontainer is
// <mount>/mycontainer/. Without one the container lives in
// <mount>/mycontainer/<id>.
func cgroupPath(p, id string) (string, string) {
	if p == "" {
		return cgroups.DefaultParent, id
	}
	if !filepath.IsAbs(p) {
		p = cgroups.DefaultParent + "/" + p
	}
	p = filepath.Clean("/" + p)
	dir := filepath.Dir(p)
	if dir == "/" {
		return cgroups.RootParent, filepath.Base(p)
	}
	return dir[1:], filepath.Base(p)
}

func writePidFile(path string, pid int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(fmt.Sprint(pid)), 0o644); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("write pid file: %w", err)
	}
	return nil
}

// RunBundle is the OCI `run`: create and start; in the foreground also
// relay signals and the terminal, wait, and delete the container (unless
// keep: then it stays, stopped, until `delete`).
func (o *OCI) RunBundle(c CreateOptions, detach, keep bool) (int, error) {
	if detach {
		if _, err := o.create(c, true); err != nil {
			return 1, err
		}
		return 0, o.Start(c.ID)
	}
	code, err := o.create(c, false)
	if keep && o.lastState != nil && o.lastState.Pid > 0 {
		return code, err
	}
	if derr := o.delete(c.ID, true, &loaded{st: o.lastState, spec: o.lastSpec}); derr != nil && err == nil {
		return 1, derr
	}
	return code, err
}
