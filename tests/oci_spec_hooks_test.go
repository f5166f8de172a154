package tests

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// config.md, createContainer: called "after the runtime environment has
// been created ... but before the pivot_root operation"; its path "MUST
// resolve in the runtime namespace" and it "MUST be executed in the
// container namespace" ("on Linux this would happen before the pivot_root
// operation is executed but after the mount namespace was created and
// setup"). A hook that bind-mounts a host directory under root.path, as
// GPU and library-injection hooks do, puts it into the container; the
// mount stays in the container's mount namespace. The createRuntime hook
// runs before it, and both read the state, "creating" with init's PID.
func TestSpecCreateContainerHookMountsBeforePivot(t *testing.T) {
	e := newOCIEnv(t)
	m := marker()
	lib, log := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(lib, "libinjected.so"), []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(e.rootfs, "injected")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	sh := func(script string) specs.Hook { return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", script}} }
	b := e.bundle(t, "inject", []string{"cat", "/injected/libinjected.so"}, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{
			CreateRuntime: []specs.Hook{sh("cat > " + log + "/runtime-state; echo createRuntime >> " + log + "/order")},
			CreateContainer: []specs.Hook{sh("cat > " + log + "/state; echo createContainer >> " + log + "/order; " +
				"readlink /proc/self/ns/mnt > " + log + "/mntns; /bin/mount --bind " + lib + " " + target)},
		}
	})
	r := e.oci(t, "run", "--bundle", b, "inject")
	if r.code != 0 || r.stdout != m {
		t.Errorf("run: exit %d, stdout %q, want %q (stderr %q)", r.code, r.stdout, m, r.stderr)
	}
	if o, _ := os.ReadFile(log + "/order"); string(o) != "createRuntime\ncreateContainer\n" {
		t.Errorf("hooks ran as %q, want createRuntime then createContainer", o)
	}
	for _, f := range []string{"runtime-state", "state"} {
		var st specs.State
		b, _ := os.ReadFile(filepath.Join(log, f))
		if err := json.Unmarshal(b, &st); err != nil || st.Status != specs.StateCreating || st.Pid <= 0 || st.ID != "inject" {
			t.Errorf("%s: %q (%v): want status creating, init's pid, id inject", f, b, err)
		}
	}
	host, _ := os.Readlink("/proc/self/ns/mnt")
	if ns, _ := os.ReadFile(log + "/mntns"); len(ns) == 0 || strings.TrimSpace(string(ns)) == host {
		t.Errorf("createContainer hook ran in mount namespace %q, the host's is %q", ns, host)
	}
	for _, l := range mountinfo(t) {
		if strings.Contains(l, " "+target+" ") {
			t.Errorf("the hook's mount reached the host: %s", l)
		}
	}
}

// A failing createContainer hook fails the create, naming the hook, and
// leaves no container.
func TestSpecFailingCreateContainerHookFailsCreate(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "badhook", []string{"true"}, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/sh", Args: []string{"sh", "-c", "echo no gpu here >&2; exit 4"}}}}
	})
	r := e.oci(t, "create", "--bundle", b, "badhook")
	if r.code == 0 || !strings.Contains(r.stderr, "createContainer hook 0") || !strings.Contains(r.stderr, "no gpu here") {
		t.Errorf("create with a failing createContainer hook: exit %d %q", r.code, r.stderr)
	}
	if r := e.oci(t, "list", "-q"); strings.TrimSpace(r.stdout) != "" {
		t.Errorf("left in the store: %q", r.stdout)
	}
	if d := containerCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
}

// createContainer hooks run in the container's cgroup, as runc's (run
// from its init) do: the hook's /proc/self/cgroup, read in the container's
// cgroup namespace, is the container's command's, in every hierarchy. The
// runtime's hook thread leaves the cgroup again: `run` removes it.
func TestSpecCreateContainerHookInContainerCgroup(t *testing.T) {
	e := newOCIEnv(t)
	log := t.TempDir()
	b := e.bundle(t, "hookcg", []string{"cat", "/proc/self/cgroup"}, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{
			{Path: "/bin/sh", Args: []string{"sh", "-c", "cat /proc/self/cgroup > " + log + "/cgroup"}},
		}}
	})
	r := e.oci(t, "run", "--bundle", b, "hookcg")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	hook, err := os.ReadFile(filepath.Join(log, "cgroup"))
	if err != nil {
		t.Fatal(err)
	}
	if string(hook) != r.stdout {
		t.Errorf("the createContainer hook's cgroups:\n%s\nthe container's:\n%s", hook, r.stdout)
	}
	if !strings.Contains(r.stdout, ":memory:/\n") && !strings.Contains(r.stdout, "0::/\n") {
		t.Errorf("the container is not at the root of its cgroup namespace: %s", r.stdout)
	}
	if d := childCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left after run: %v", d)
	}
}
