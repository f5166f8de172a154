package tests

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mycontainer/cgroups"
	"mycontainer/spec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ociEnv is one test's private runtime root and cgroup parent, so tests
// never see each other's containers and never touch /run/mycontainer,
// and its own copy of the rootfs: a bundle's mount points are created in
// its rootfs, and the shared one must stay as `make rootfs` made it.
type ociEnv struct {
	root   string
	parent string
	rootfs string
}

func newOCIEnv(t *testing.T) *ociEnv {
	t.Helper()
	e := &ociEnv{root: t.TempDir(), parent: cgroupParent(t), rootfs: privateRootfs(t)}
	t.Cleanup(func() {
		// Anything a failed test left: force-delete it, then check the
		// store is empty.
		r := run(t, "--root", e.root, "list", "-q")
		for _, id := range strings.Fields(r.stdout) {
			run(t, "--root", e.root, "delete", "--force", id)
		}
	})
	return e
}

// bundle writes a bundle running args, from the runtime's default spec.
func (e *ociEnv) bundle(t *testing.T, id string, args []string, edit func(*specs.Spec)) string {
	t.Helper()
	dir := t.TempDir()
	s := spec.Default(false)
	s.Root.Path = e.rootfs
	s.Process.Terminal = false
	s.Process.Args = args
	s.Linux.CgroupsPath = "/" + e.parent + "/" + id
	if edit != nil {
		edit(s)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// oci runs a runtime verb with this env's --root.
func (e *ociEnv) oci(t *testing.T, args ...string) result {
	t.Helper()
	return run(t, append([]string{"--root", e.root}, args...)...)
}

func (e *ociEnv) status(t *testing.T, id string) string {
	t.Helper()
	r := e.oci(t, "state", id)
	var st struct {
		Status string `json:"status"`
		Pid    int    `json:"pid"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("state %s: %v (%q %q)", id, err, r.stdout, r.stderr)
	}
	return st.Status
}

func cgroupMode(t *testing.T) cgroups.Mode {
	m, err := cgroups.DetectMode()
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// startLogged starts cmd with its stdout and stderr in a file of the
// test's temp dir: exited gets cmd.Wait's result, output reads what it
// wrote so far.
func startLogged(t *testing.T, cmd *exec.Cmd) (exited <-chan error, output func() string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "out")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close() // the child has its own copy once started
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() { ch <- cmd.Wait() }()
	return ch, func() string {
		b, _ := os.ReadFile(path)
		return string(b)
	}
}

// killWhileHookRuns starts cmd (a create whose createContainer hook
// sleeps with the marker m in its arguments), SIGKILLs it once the hook
// runs, and waits for it to end. It fails the test if create ends first
// or the hook never runs.
func killWhileHookRuns(t *testing.T, cmd *exec.Cmd, m string) {
	t.Helper()
	exited, output := startLogged(t, cmd)
	deadline := time.Now().Add(20 * time.Second)
	for len(processesWith(m)) == 0 {
		select {
		case err := <-exited:
			t.Fatalf("create ended before its hook ran (%v): %s", err, output())
		default:
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the createContainer hook never ran")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
}
