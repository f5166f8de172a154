package container

import (
	"fmt"
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func storedProcess() *specs.Process {
	return &specs.Process{
		Terminal: true, Args: []string{"sleep", "1000"}, Env: []string{"PATH=/bin", "A=1"}, Cwd: "/srv",
		User:            specs.User{UID: 7, GID: 8, AdditionalGids: []uint32{9}},
		Capabilities:    &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}, Effective: []string{"CAP_KILL"}, Permitted: []string{"CAP_KILL"}},
		NoNewPrivileges: true,
		Rlimits:         []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 10, Hard: 10}},
	}
}

// An exec'd command keeps the container's policy: an empty process would
// mean every capability and no no_new_privs.
func TestExecCommandStartsFromContainerProcess(t *testing.T) {
	stored := storedProcess()
	p, err := ExecProcess{Args: []string{"id"}, Env: []string{"B=2"}}.resolve(stored)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(p.Args, []string{"id"}) || p.Terminal || p.Cwd != "/srv" {
		t.Errorf("args/terminal/cwd: %v %v %q", p.Args, p.Terminal, p.Cwd)
	}
	if p.User.UID != 7 || p.User.GID != 8 || !slices.Equal(p.User.AdditionalGids, []uint32{9}) {
		t.Errorf("user: %+v", p.User)
	}
	if p.Capabilities == nil || !slices.Equal(p.Capabilities.Bounding, []string{"CAP_KILL"}) || !p.NoNewPrivileges || len(p.Rlimits) != 1 {
		t.Errorf("policy lost: caps %+v nnp %v rlimits %v", p.Capabilities, p.NoNewPrivileges, p.Rlimits)
	}
	if !slices.Equal(p.Env, []string{"PATH=/bin", "A=1", "B=2"}) {
		t.Errorf("env: %v", p.Env)
	}
	if !slices.Equal(stored.Env, []string{"PATH=/bin", "A=1"}) || !slices.Equal(stored.Args, []string{"sleep", "1000"}) {
		t.Errorf("the stored process was changed: %+v", stored)
	}
}

func TestExecOverrides(t *testing.T) {
	p, err := ExecProcess{Args: []string{"id"}, TTY: true, Cwd: "/tmp", User: "1000"}.resolve(storedProcess())
	if err != nil {
		t.Fatal(err)
	}
	if !p.Terminal || p.Cwd != "/tmp" || p.User.UID != 1000 || p.User.GID != 8 {
		t.Errorf("overrides: terminal %v cwd %q user %+v", p.Terminal, p.Cwd, p.User)
	}
	p, err = ExecProcess{Args: []string{"id"}, User: "1000:1000"}.resolve(storedProcess())
	if err != nil || p.User.GID != 1000 {
		t.Errorf("-u 1000:1000: %+v %v", p, err)
	}
	for _, bad := range []string{"alice", "1:x", "-1", "99999999999"} {
		if _, err := (ExecProcess{Args: []string{"id"}, User: bad}).resolve(storedProcess()); err == nil {
			t.Errorf("-u %q accepted", bad)
		}
	}
	if _, err := (ExecProcess{}).resolve(storedProcess()); err == nil {
		t.Error("an exec without command or --process was accepted")
	}
}

// --process is used as given (engines send the whole process).
func TestExecProcessFileAsGiven(t *testing.T) {
	f := &specs.Process{Args: []string{"sh"}, Cwd: "/x", Env: []string{"X=1"}}
	p, err := ExecProcess{File: f}.resolve(storedProcess())
	if err != nil {
		t.Fatal(err)
	}
	if p.Capabilities != nil || p.Cwd != "/x" || !slices.Equal(p.Env, []string{"X=1"}) {
		t.Errorf("--process changed: %+v", p)
	}
}

// runc's exec flags: --cap joins the bounding, effective and permitted
// sets only, -g adds groups, --no-new-privs sets it; AppArmor and SELinux
// are refused, never ignored.
func TestExecFlagsOverride(t *testing.T) {
	stored := &specs.Process{Args: []string{"sleep"}, User: specs.User{UID: 0, AdditionalGids: []uint32{7}},
		Capabilities: &specs.LinuxCapabilities{Bounding: []string{"CAP_KILL"}, Effective: []string{"CAP_KILL"}, Permitted: []string{"CAP_KILL"}}}
	p, err := ExecProcess{Args: []string{"id"}, Caps: []string{"sys_admin", "CAP_KILL"}, AdditionalGids: []uint32{50}, NoNewPrivs: true}.resolve(stored)
	if err != nil {
		t.Fatal(err)
	}
	c := p.Capabilities
	want := "[CAP_KILL CAP_SYS_ADMIN]"
	if fmt.Sprint(c.Bounding) != want || fmt.Sprint(c.Effective) != want || fmt.Sprint(c.Permitted) != want ||
		len(c.Inheritable) != 0 || len(c.Ambient) != 0 {
		t.Errorf("--cap: %+v", c)
	}
	if fmt.Sprint(p.User.AdditionalGids) != "[7 50]" || !p.NoNewPrivileges {
		t.Errorf("-g, --no-new-privs: %+v %v", p.User, p.NoNewPrivileges)
	}
	if len(stored.Capabilities.Bounding) != 1 || len(stored.User.AdditionalGids) != 1 {
		t.Errorf("the stored process changed: %+v", stored)
	}
	if _, err := (ExecProcess{Args: []string{"id"}, Caps: []string{"CAP_NOPE"}}).resolve(stored); err == nil {
		t.Error("unknown --cap accepted")
	}
	if _, err := (ExecProcess{Args: []string{"id"}, Apparmor: "x"}).resolve(stored); err == nil {
		t.Error("--apparmor accepted")
	}
	if _, err := (ExecProcess{Args: []string{"id"}, ProcessLabel: "x"}).resolve(stored); err == nil {
		t.Error("--process-label accepted")
	}
}
