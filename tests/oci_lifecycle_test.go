package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// create → created → start → running → kill → stopped → delete, and
// nothing left: state dir, cgroup, processes.
func TestOCILifecycle(t *testing.T) {
	e := newOCIEnv(t)
	before := snapshot(t)
	m := marker()
	b := e.bundle(t, "life", []string{"sh", "-c", "trap 'exit 0' TERM; while :; do sleep 0." + m + "; done"}, nil)
	pidFile := filepath.Join(t.TempDir(), "pid")
	if r := e.oci(t, "create", "--bundle", b, "--pid-file", pidFile, "life"); r.code != 0 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	if s := e.status(t, "life"); s != "created" {
		t.Errorf("after create: %s", s)
	}
	if pid, err := os.ReadFile(pidFile); err != nil || len(pid) == 0 {
		t.Errorf("pid file: %q %v", pid, err)
	}
	// Created means set up but the command not started.
	if len(processesWith(m)) != 0 {
		t.Error("the command runs before start")
	}
	if r := e.oci(t, "start", "life"); r.code != 0 {
		t.Fatalf("start: exit %d: %s", r.code, r.stderr)
	}
	if s := e.status(t, "life"); s != "running" {
		t.Errorf("after start: %s", s)
	}
	waitFor(t, "the command to run", func() bool { return len(processesWith(m)) > 0 })
	if r := e.oci(t, "kill", "life", "TERM"); r.code != 0 {
		t.Fatalf("kill: %s", r.stderr)
	}
	waitFor(t, "stopped", func() bool { return e.status(t, "life") == "stopped" })
	if r := e.oci(t, "delete", "life"); r.code != 0 {
		t.Fatalf("delete: %s", r.stderr)
	}
	if r := e.oci(t, "state", "life"); r.code != 1 || !strings.Contains(r.stderr, "does not exist") {
		t.Errorf("state after delete: exit %d %q", r.code, r.stderr)
	}
	if d := containerCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
	before.assertClean(t, m)
}

// runc's exit codes: failed create 1, failed exec 255, delete --force of a
// missing container 0; errors name the config's JSON path.
func TestOCIExitCodesAndErrors(t *testing.T) {
	e := newOCIEnv(t)
	bad := e.bundle(t, "bad", []string{"true"}, func(s *specs.Spec) {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: "time"})
	})
	r := e.oci(t, "create", "--bundle", bad, "bad")
	if r.code != 1 || !strings.Contains(r.stderr, "linux.namespaces[") {
		t.Errorf("bad config: exit %d %q", r.code, r.stderr)
	}
	if r := e.oci(t, "exec", "nope", "true"); r.code != 255 {
		t.Errorf("exec in a missing container: exit %d", r.code)
	}
	if r := e.oci(t, "delete", "--force", "nope"); r.code != 0 {
		t.Errorf("delete --force missing: exit %d %q", r.code, r.stderr)
	}
	if r := e.oci(t, "delete", "nope"); r.code != 1 {
		t.Errorf("delete missing: exit %d", r.code)
	}
	if r := e.oci(t, "--log-format", "json", "start", "nope"); r.code != 1 || !strings.HasPrefix(r.stderr, `{"level":"error"`) {
		t.Errorf("json log: exit %d %q", r.code, r.stderr)
	}
	if r := e.oci(t, "create", "--bundle", bad, "bad/../x"); r.code != 1 || !strings.Contains(r.stderr, "id") {
		t.Errorf("bad id: exit %d %q", r.code, r.stderr)
	}
}

// run --bundle in the foreground: the command's exit code, then gone.
func TestOCIRunBundle(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "fg", []string{"sh", "-c", "echo out; hostname; exit 7"}, nil)
	r := e.oci(t, "run", "--bundle", b, "fg")
	if r.code != 7 || r.stdout != "out\nmycontainer\n" {
		t.Errorf("exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	if r := e.oci(t, "list", "-q"); strings.TrimSpace(r.stdout) != "" {
		t.Errorf("left in the store: %q", r.stdout)
	}
}

// exec joins the container's namespaces and cgroup.
func TestOCIExec(t *testing.T) {
	e := newOCIEnv(t)
	m := marker()
	b := e.bundle(t, "ex", []string{"sleep", "1" + m}, nil)
	if r := e.oci(t, "run", "--detach", "--bundle", b, "ex"); r.code != 0 {
		t.Fatalf("run -d: %d %s", r.code, r.stderr)
	}
	r := e.oci(t, "exec", "ex", "sh", "-c", "hostname; cat /proc/1/cmdline | tr '\\0' ' '; echo; echo $$; exit 3")
	lines := strings.Split(r.stdout, "\n")
	if r.code != 3 || len(lines) < 3 || lines[0] != "mycontainer" || !strings.HasPrefix(lines[1], "sleep 1"+m) {
		t.Errorf("exec: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	// The exec'd process is in the container's cgroup while it runs: its
	// own /proc/self/cgroup says so (the cgroup namespace shows the
	// container's cgroup as "/"), and the host sees its PID in the
	// container's cgroup.procs, which `ps` lists.
	r = e.oci(t, "exec", "ex", "cat", "/proc/self/cgroup")
	if r.code != 0 {
		t.Errorf("exec cat: %d %s", r.code, r.stderr)
	}
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if f := strings.SplitN(l, ":", 3); len(f) == 3 && f[1] != "name=systemd" && f[2] != "/" {
			t.Errorf("the exec'd process is outside the container's cgroup: %s", l)
		}
	}
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	if r := e.oci(t, "exec", "--detach", "--pid-file", pidFile, "ex", "sleep", "2"+m); r.code != 0 {
		t.Fatalf("exec -d: %d %s", r.code, r.stderr)
	}
	pid, _ := os.ReadFile(pidFile)
	r = e.oci(t, "ps", "--format", "json", "ex")
	if r.code != 0 || !strings.Contains(r.stdout, strings.TrimSpace(string(pid))) || len(pid) == 0 {
		t.Errorf("ps does not list the exec'd process %q: %d %q", pid, r.code, r.stdout)
	}
	if r := e.oci(t, "delete", "--force", "ex"); r.code != 0 {
		t.Errorf("delete --force running: %d %s", r.code, r.stderr)
	}
	if d := containerCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
}

// A runtime killed in create leaves a container that can still be
// deleted, with nothing left behind, and no init waiting for a start
// that nobody can give. The create is SIGKILLed after init exists and its
// PID is recorded but before create returns: while it writes the pid file,
// held there by a fifo at the file's temporary name (writePidFile writes
// PATH.tmp, then renames it), which nobody reads.
func TestOCIDeleteAfterRuntimeKilledInCreate(t *testing.T) {
	e := newOCIEnv(t)
	before := snapshot(t)
	m := marker()
	b := e.bundle(t, "half", []string{"sleep", "1" + m}, nil)
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	pidFile := filepath.Join(dir, "pid")
	if err := unix.Mkfifo(pidFile+".tmp", 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "--root", e.root, "create", "--pid-file", pidFile, "--bundle", b, "half")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "init to be recorded", func() bool {
		r := e.oci(t, "state", "half")
		return strings.Contains(r.stdout, `"status":"created"`)
	})
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	// The state was saved, but create never finished: its init must not
	// wait on its fifo for ever. It dies with create (PDEATHSIG until
	// create hands it over), before any delete.
	waitFor(t, "init to die with its create", func() bool { return len(processesInCgroup(e.parent)) == 0 })
	if s := e.status(t, "half"); s != "stopped" {
		t.Errorf("after the runtime died: %s, want stopped", s)
	}
	if r := e.oci(t, "delete", "half"); r.code != 0 {
		t.Fatalf("delete: %d %s", r.code, r.stderr)
	}
	if d := containerCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
	if r := e.oci(t, "list", "-q"); strings.TrimSpace(r.stdout) != "" {
		t.Errorf("left in the store: %q", r.stdout)
	}
	before.assertClean(t, m)
}

// A create SIGKILLed while its init is still setting up (here: inside a
// createContainer hook, which holds init away from its socket, so no
// end-of-file can tell it) takes that init down at once: PDEATHSIG until
// create has recorded it. Without it init would wait for the hook, then
// for a start that nobody can give.
func TestOCIKilledCreateTakesInitDuringSetup(t *testing.T) {
	e := newOCIEnv(t)
	m := marker()
	b := e.bundle(t, "setup", []string{"true"}, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", "3" + m}}}}
	})
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(binary, "--root", e.root, "create", "--bundle", b, "setup")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the createContainer hook to run", func() bool { return len(processesWith(m)) > 0 })
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	waitFor(t, "init and its hook to die with create", func() bool {
		return len(processesWith(m)) == 0 && len(processesInCgroup(e.parent)) == 0
	})
	if r := e.oci(t, "delete", "--force", "setup"); r.code != 0 {
		t.Errorf("delete --force: %d %s", r.code, r.stderr)
	}
	if d := childCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
}

// 20 creates and deletes at once, each its own container.
func TestOCIParallelCreateDelete(t *testing.T) {
	e := newOCIEnv(t)
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for i := 0; i < 20; i++ {
		id := fmt.Sprintf("p%d", i)
		b := e.bundle(t, id, []string{"true"}, nil)
		wg.Add(1)
		go func() {
			defer wg.Done()
			if r := e.oci(t, "create", "--bundle", b, id); r.code != 0 {
				errs <- "create " + id + ": " + r.stderr
				return
			}
			if r := e.oci(t, "delete", "--force", id); r.code != 0 {
				errs <- "delete " + id + ": " + r.stderr
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if d := containerCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
}

// A foreground run --bundle is started by its own runtime over the sync
// socket: while it runs, state says running, start refuses it, and its
// state directory holds nothing but config.json and state.json (no exec
// fifo, no lock file). The hooks still come in the spec's order: createRuntime before
// the command, poststart after it was started.
func TestOCIRunBundleForegroundStart(t *testing.T) {
	e := newOCIEnv(t)
	m := marker()
	dir := t.TempDir()
	log := filepath.Join(dir, "hooks")
	hook := func(name string) specs.Hook {
		return specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", "echo " + name + " >> " + log}}
	}
	root := privateRootfs(t) // the gate file goes into its /tmp
	gate := filepath.Join(root, "tmp", "gate-"+m)
	b := e.bundle(t, "fgs", []string{"sh", "-c", "echo command >> /hooklog; while [ ! -e /tmp/gate-" + m + " ]; do sleep 0.05; done; exit 3"},
		func(s *specs.Spec) {
			s.Root.Path, s.Root.Readonly = root, false
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/hooklog", Type: "bind", Source: log, Options: []string{"bind"}})
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/tmp", Type: "bind", Source: filepath.Join(root, "tmp"), Options: []string{"bind"}})
			s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{hook("createRuntime")}, Poststart: []specs.Hook{hook("poststart")}}
		})
	if err := os.WriteFile(log, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.Create(filepath.Join(dir, "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(binary, "--root", e.root, "run", "--bundle", b, "fgs")
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill() // a no-op once it exited
	waitFor(t, "the command and poststart", func() bool {
		b, _ := os.ReadFile(log)
		return strings.Count(string(b), "\n") >= 3
	})
	if s := e.status(t, "fgs"); s != "running" {
		t.Errorf("state during a foreground run: %s, want running", s)
	}
	if r := e.oci(t, "start", "fgs"); r.code != 1 || !strings.Contains(r.stderr, "running") {
		t.Errorf("start of a foreground run: exit %d %q", r.code, r.stderr)
	}
	ents, err := os.ReadDir(filepath.Join(e.root, "fgs"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, d := range ents {
		names = append(names, d.Name())
	}
	if strings.Join(names, " ") != "config.json state.json" {
		t.Errorf("state directory holds %v, want only config.json and state.json", names)
	}
	if err := os.WriteFile(gate, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	err = cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 3 {
		b, _ := os.ReadFile(out.Name())
		t.Errorf("run: %v, want exit 3 (%s)", err, b)
	}
	got, _ := os.ReadFile(log)
	if string(got) != "createRuntime\ncommand\npoststart\n" && string(got) != "createRuntime\npoststart\ncommand\n" {
		t.Errorf("hooks and command ran as %q", got)
	}
	if strings.Index(string(got), "createRuntime") != 0 {
		t.Errorf("createRuntime did not run before the command: %q", got)
	}
	if r := e.oci(t, "list", "-q"); strings.TrimSpace(r.stdout) != "" {
		t.Errorf("left in the store: %q", r.stdout)
	}
}
