package container

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"mycontainer/spec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ExecProcess is what `exec` was asked to run: a whole process (--process,
// as engines pass it) or a command with flags that override the
// container's own process.
type ExecProcess struct {
	File *specs.Process // --process FILE, decoded; nil for a command
	Args []string       // the command, when there is no File
	TTY  bool           // -t
	Cwd  string         // --cwd
	Env  []string       // -e, appended
	User string         // -u UID[:GID]

	AdditionalGids []uint32 // -g, appended to the process's groups
	Caps           []string // --cap, added to the bounding, effective and permitted sets
	NoNewPrivs     bool     // --no-new-privs: set no_new_privs (never clears it)
	Apparmor       string   // --apparmor: refused, saying why (spec/lsm.go)
	ProcessLabel   string   // --process-label: refused, saying why (spec/lsm.go)
}

// ParseProcessFile decodes an exec --process file.
func ParseProcessFile(b []byte, name string) (*specs.Process, error) {
	p := &specs.Process{}
	if err := json.Unmarshal(b, p); err != nil {
		return nil, fmt.Errorf("--process %s: %w", name, err)
	}
	return p, nil
}

// resolve builds the process to run. A command starts from a copy of the
// container's process, as runc does: the same user, groups,
// capabilities, no_new_privs, rlimits, env and cwd. An empty process
// would mean every capability, no no_new_privs and no rlimits: from such
// an exec, root in the container could remount the read-only root
// read-write, and with -u a setuid binary regains the full bounding set.
func (x ExecProcess) resolve(stored *specs.Process) (*specs.Process, error) {
	var p specs.Process
	switch {
	case x.File != nil:
		p = *x.File
	case len(x.Args) == 0:
		return nil, errors.New("exec needs --process FILE or a command")
	case stored == nil:
		return nil, errors.New("the container's config has no process to start the exec from: use --process")
	default:
		p = *stored
		p.Args = x.Args
		p.Terminal = false
		p.ConsoleSize = nil
		// Deep-copy what the overrides below append to or change.
		p.Env = append([]string(nil), stored.Env...)
		if c := stored.Capabilities; c != nil {
			cc := *c
			p.Capabilities = &cc
		}
	}
	if x.TTY {
		p.Terminal = true
	}
	if x.Cwd != "" {
		p.Cwd = x.Cwd
	}
	if p.Cwd == "" {
		p.Cwd = "/"
	}
	p.Env = append(p.Env, x.Env...)
	if x.User != "" {
		if err := setUser(&p.User, x.User); err != nil {
			return nil, err
		}
	}
	p.User.AdditionalGids = append(append([]uint32(nil), p.User.AdditionalGids...), x.AdditionalGids...)
	if x.NoNewPrivs {
		p.NoNewPrivileges = true
	}
	if err := x.addCaps(&p); err != nil {
		return nil, err
	}
	if x.Apparmor != "" {
		p.ApparmorProfile = x.Apparmor
	}
	if x.ProcessLabel != "" {
		p.SelinuxLabel = x.ProcessLabel
	}
	// The exec'd process is not validated with the bundle: refuse here
	// what create refuses, rather than run it unconfined.
	if err := spec.CheckAppArmor(p.ApparmorProfile); err != nil {
		return nil, fmt.Errorf("--apparmor (or the process's apparmorProfile): %w", err)
	}
	if err := spec.CheckSELinux(p.SelinuxLabel); err != nil {
		return nil, fmt.Errorf("--process-label (or the process's selinuxLabel): %w", err)
	}
	return &p, nil
}

// addCaps is --cap: each capability joins the bounding, effective and
// permitted sets, as runc does (not inheritable nor ambient: an exec'd
// program must not pass them on, CVE-2022-29162).
func (x ExecProcess) addCaps(p *specs.Process) error {
	if len(x.Caps) == 0 {
		return nil
	}
	if p.Capabilities == nil {
		// No list: the kernel's rule applies, every capability for uid 0.
		if p.User.UID == 0 {
			return nil
		}
		return fmt.Errorf("--cap %v: the process has no capabilities list (uid %d gets none from the kernel): give one with --process", x.Caps, p.User.UID)
	}
	cc := *p.Capabilities
	c := &cc
	for _, name := range x.Caps {
		name = strings.ToUpper(name)
		if !strings.HasPrefix(name, "CAP_") {
			name = "CAP_" + name
		}
		if _, ok := spec.Capability(name); !ok {
			return fmt.Errorf("--cap %q: unknown capability", name)
		}
		c.Bounding = appendNew(c.Bounding, name)
		c.Effective = appendNew(c.Effective, name)
		c.Permitted = appendNew(c.Permitted, name)
	}
	p.Capabilities = c
	return nil
}

// appendNew appends s to a copy of list, unless it is there already.
func appendNew(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(append([]string(nil), list...), s)
}

// setUser applies -u UID[:GID]. Without a GID the process keeps its
// group, as runc does.
func setUser(u *specs.User, s string) error {
	us, gs, hasGID := strings.Cut(s, ":")
	uid, err := strconv.ParseUint(us, 10, 32)
	if err != nil {
		return fmt.Errorf("--user %q: want UID[:GID] as numbers", s)
	}
	u.UID = uint32(uid)
	if hasGID {
		gid, err := strconv.ParseUint(gs, 10, 32)
		if err != nil {
			return fmt.Errorf("--user %q: want UID[:GID] as numbers", s)
		}
		u.GID = uint32(gid)
	}
	return nil
}
