package tests

// Issue 10: configs written from the runtime-spec's text (config.md,
// config-linux.md, runtime.md), each testing one MUST.

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"

	"mycontainer/cgroups"
	"mycontainer/spec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// statePid is the pid that `state` reports.
func (e *ociEnv) statePid(t *testing.T, id string) int {
	t.Helper()
	r := e.oci(t, "state", id)
	var st struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("state %s: %v (%q %q)", id, err, r.stdout, r.stderr)
	}
	return st.Pid
}

// config-linux.md, cgroupsPath: "If the value is an absolute path, the
// path is relative to the cgroup mount point" — one component included:
// "/name" is <mount>/name, not under mycontainer's own parent.
func TestSpecCgroupsPathAbsoluteOneComponent(t *testing.T) {
	e := newOCIEnv(t)
	name := "mycontainer-test-abs-" + marker()
	t.Cleanup(func() {
		e.oci(t, "delete", "--force", "abs")
		if err := cgroups.RemoveParent(cgroupMode(t), name); err != nil {
			t.Errorf("remove %s: %v", name, err)
		}
	})
	b := e.bundle(t, "abs", []string{"sleep", "100"}, func(s *specs.Spec) {
		s.Linux.CgroupsPath = "/" + name
	})
	if r := e.oci(t, "run", "-d", "--bundle", b, "abs"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	pid := e.statePid(t, "abs")
	cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range strings.Split(strings.TrimSpace(string(cg)), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 || (f[1] != "memory" && !strings.Contains(f[1], "memory,") && !(f[0] == "0" && cgroupMode(t) == cgroups.Unified)) {
			continue
		}
		found = true
		if f[2] != "/"+name {
			t.Errorf("cgroup %q, want /%s (relative to the mount point)", l, name)
		}
	}
	if !found {
		t.Errorf("no memory or unified line in %q", cg)
	}
	if r := e.oci(t, "delete", "--force", "abs"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
}

// config.md, poststart and poststop: "If a hook returns a non-zero exit
// code, then an error is logged and the remaining hooks are executed" —
// the runtime MUST log a warning and go on as if the hook had succeeded.
func TestSpecFailingPostHooksWarnAndContinue(t *testing.T) {
	e := newOCIEnv(t)
	dir := t.TempDir()
	after := func(name string) specs.Hook {
		return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "cat > " + dir + "/" + name}}
	}
	fail := specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "echo hook says no >&2; exit 3"}}
	b := e.bundle(t, "hooks", []string{"sleep", "100"}, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{
			Poststart: []specs.Hook{fail, after("poststart")},
			Poststop:  []specs.Hook{fail, after("poststop")},
		}
	})
	if r := e.oci(t, "create", "--bundle", b, "hooks"); r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	r := e.oci(t, "start", "hooks")
	if r.code != 0 {
		t.Errorf("start with a failing poststart hook: exit %d %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, "hook says no") {
		t.Errorf("start: no warning naming the hook's error: %q", r.stderr)
	}
	if b, err := os.ReadFile(dir + "/poststart"); err != nil || !strings.Contains(string(b), `"running"`) {
		t.Errorf("the poststart hook after the failing one: %q %v", b, err)
	}
	if s := e.status(t, "hooks"); s != "running" {
		t.Errorf("after start: %s", s)
	}
	if r := e.oci(t, "kill", "hooks", "KILL"); r.code != 0 {
		t.Fatalf("kill: %s", r.stderr)
	}
	waitFor(t, "stopped", func() bool { return e.status(t, "hooks") == "stopped" })
	r = e.oci(t, "delete", "hooks")
	if r.code != 0 || !strings.Contains(r.stderr, "warning") {
		t.Errorf("delete with a failing poststop hook: exit %d %q", r.code, r.stderr)
	}
	if b, err := os.ReadFile(dir + "/poststop"); err != nil || !strings.Contains(string(b), `"stopped"`) {
		t.Errorf("the poststop hook after the failing one: %q %v", b, err)
	}
}

// config.md: process is OPTIONAL, and "MUST be specified when start is
// called". create of a config without one succeeds; start fails with a
// clear error and the container stays created until delete.
func TestSpecCreateWithoutProcess(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "noproc", nil, func(s *specs.Spec) { s.Process = nil })
	if r := e.oci(t, "create", "--bundle", b, "noproc"); r.code != 0 {
		t.Fatalf("create without process: exit %d %s", r.code, r.stderr)
	}
	if s := e.status(t, "noproc"); s != "created" {
		t.Errorf("after create: %s", s)
	}
	r := e.oci(t, "start", "noproc")
	if r.code == 0 || !strings.Contains(r.stderr, "no process") {
		t.Errorf("start without process: exit %d %q, want a failure saying there is no process", r.code, r.stderr)
	}
	if s := e.status(t, "noproc"); s != "created" {
		t.Errorf("after the refused start: %s", s)
	}
	if r := e.oci(t, "delete", "--force", "noproc"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
}

// runtime.md, delete: "Attempting to delete a container that is not
// stopped MUST have no effect on the container and MUST generate an
// error." Created and running containers both stay as they were. The
// exception kept for containerd's shim (a plain delete of a created task,
// always with --log-format json) is checked last.
func TestSpecDeleteNotStoppedFails(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "busy", []string{"sleep", "100"}, nil)
	if r := e.oci(t, "create", "--bundle", b, "busy"); r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	pid := e.statePid(t, "busy")
	if r := e.oci(t, "delete", "busy"); r.code == 0 || !strings.Contains(r.stderr, "not stopped") {
		t.Errorf("delete of a created container: exit %d %q, want an error", r.code, r.stderr)
	}
	if s := e.status(t, "busy"); s != "created" || e.statePid(t, "busy") != pid {
		t.Errorf("after the refused delete: %s", s)
	}
	if r := e.oci(t, "start", "busy"); r.code != 0 {
		t.Fatalf("start after the refused delete: %s", r.stderr)
	}
	if r := e.oci(t, "delete", "busy"); r.code == 0 {
		t.Errorf("delete of a running container succeeded")
	}
	if s := e.status(t, "busy"); s != "running" {
		t.Errorf("after the refused delete: %s", s)
	}
	if r := e.oci(t, "delete", "--force", "busy"); r.code != 0 {
		t.Errorf("delete --force: %s", r.stderr)
	}
	// containerd's call for a created task: runc's rule, documented.
	if r := e.oci(t, "create", "--bundle", b, "shim"); r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	log := t.TempDir() + "/log.json"
	if r := e.oci(t, "--log", log, "--log-format", "json", "delete", "shim"); r.code != 0 {
		t.Errorf("containerd's delete of a created task: exit %d %q", r.code, r.stderr)
	}
}

// config.md lets options be any mount(8) option; the kernel ignores
// filesystem data ("mode=", "size=") on a bind mount, so such a config
// runs (runc and crun run it), with a debug note. A bare word that means
// nothing is still refused.
func TestSpecBindMountIgnoredOptions(t *testing.T) {
	e := newOCIEnv(t)
	src := t.TempDir()
	if err := os.WriteFile(src+"/f", []byte("bound"), 0o644); err != nil {
		t.Fatal(err)
	}
	b := e.bundle(t, "bindopts", []string{"cat", "/root/f"}, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/root", Type: "bind", Source: src,
			Options: []string{"rbind", "mode=755", "size=1k", "ro"}})
	})
	log := t.TempDir() + "/log"
	r := e.oci(t, "--debug", "--log", log, "run", "--bundle", b, "bindopts")
	if r.code != 0 || !strings.Contains(r.stdout, "bound") {
		t.Fatalf("run with mode= and size= on a bind: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	// The text log quotes the message (runc's msg="..."), so the option's
	// own quotes come escaped.
	if l, _ := os.ReadFile(log); !strings.Contains(string(l), `mode=755`) || !strings.Contains(string(l), `is ignored`) {
		t.Errorf("no debug note for the ignored option in %q", l)
	}
	b = e.bundle(t, "badopt", []string{"true"}, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/root", Type: "bind", Source: src,
			Options: []string{"rbind", "frobnicate"}})
	})
	if r := e.oci(t, "run", "--bundle", b, "badopt"); r.code == 0 || !strings.Contains(r.stderr, "frobnicate") {
		t.Errorf("an unknown option: exit %d %q", r.code, r.stderr)
	}
}

// runtime.md: create MUST generate an error if it cannot create what
// config.json asks for. A capability the runtime itself lacks can never
// be given (capset would fail after start), so create fails, naming it.
func TestSpecCreateFailsOnCapabilityHostLacks(t *testing.T) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var bnd uint64
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapBnd:"); ok {
			fmt.Sscanf(strings.TrimSpace(v), "%x", &bnd)
		}
	}
	missing := -1
	for n := 0; n <= 40; n++ {
		if bnd&(1<<uint(n)) == 0 {
			missing = n
			break
		}
	}
	if missing < 0 {
		t.Skip("this host's bounding set has every capability")
	}
	name := spec.CapabilityName(missing)
	e := newOCIEnv(t)
	bundle := e.bundle(t, "caps", []string{"true"}, func(s *specs.Spec) {
		c := s.Process.Capabilities
		c.Bounding = append(c.Bounding, name)
		c.Permitted = append(c.Permitted, name)
		c.Effective = append(c.Effective, name)
	})
	r := e.oci(t, "create", "--bundle", bundle, "caps")
	defer e.oci(t, "delete", "--force", "caps")
	if r.code == 0 || !strings.Contains(r.stderr, name) {
		t.Errorf("create with %s, which the host lacks: exit %d %q, want create to fail naming it", name, r.code, r.stderr)
	}
}

// The same for an rlimit whose hard limit is above the runtime's own when
// the runtime lacks CAP_SYS_RESOURCE (this host's root does): setrlimit
// would fail after start, so create fails, naming it.
func TestSpecCreateFailsOnRlimitAboveHardLimit(t *testing.T) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	var eff uint64
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapEff:"); ok {
			fmt.Sscanf(strings.TrimSpace(v), "%x", &eff)
		}
	}
	if eff&(1<<24) != 0 {
		t.Skip("the runtime has CAP_SYS_RESOURCE here: it may raise any limit")
	}
	var cur syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &cur); err != nil {
		t.Fatal(err)
	}
	e := newOCIEnv(t)
	bundle := e.bundle(t, "rl", []string{"true"}, func(s *specs.Spec) {
		s.Process.Rlimits = []specs.POSIXRlimit{{Type: "RLIMIT_NOFILE", Soft: 1024, Hard: cur.Max + 1}}
	})
	r := e.oci(t, "create", "--bundle", bundle, "rl")
	defer e.oci(t, "delete", "--force", "rl")
	if r.code == 0 || !strings.Contains(r.stderr, "RLIMIT_NOFILE") {
		t.Errorf("create with RLIMIT_NOFILE hard %d above %d: exit %d %q, want create to fail naming it", cur.Max+1, cur.Max, r.code, r.stderr)
	}
}
