package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// env is everything private to one soak: its runtime state root, its
// cgroup parent, its bundles and the marker its containers carry. Each
// name holds the soak's PID so that two soaks (or a soak and the
// integration tests) never count or clean each other's containers.
type env struct {
	bin    string // the runtime under test
	rootfs string // the busybox rootfs every container runs in
	tmp    string // holds root/ and bundles/, removed at the end
	root   string // --root of every OCI verb
	store  string // the image store (MYCONTAINER_STORAGE): --overlay's upper directories
	parent string // cgroup parent of every container, friendly or OCI
	marker string // in every container's command line and every verb's
	base   specs.Spec
}

func newEnv(bin, rootfs string) (*env, error) {
	pid := os.Getpid()
	e := &env{
		bin:    bin,
		rootfs: rootfs,
		// Not "mycontainer*": the soak counts new mycontainer* temp
		// files, and its own directory must not be one of them.
		marker: fmt.Sprintf("myc-soak-%d", pid),
		// The machine rules allow cgroups only under mycontainer*.
		parent: fmt.Sprintf("mycontainer-soak-%d", pid),
	}
	var err error
	// The marker is in the directory's name so that every OCI verb,
	// whose command line carries --root, carries the marker too.
	if e.tmp, err = os.MkdirTemp("", e.marker+"-"); err != nil {
		return nil, fmt.Errorf("make the soak's temp dir: %w", err)
	}
	e.root = filepath.Join(e.tmp, "root")
	e.store = filepath.Join(e.tmp, "store")
	for _, d := range []string{e.root, e.store, filepath.Join(e.tmp, "bundles")} {
		if err := os.Mkdir(d, 0o700); err != nil {
			os.RemoveAll(e.tmp)
			return nil, fmt.Errorf("make %s: %w", d, err)
		}
	}
	if err := e.loadDefaultSpec(); err != nil {
		os.RemoveAll(e.tmp)
		return nil, err
	}
	return e, nil
}

// loadDefaultSpec asks the runtime under test for its default config
// (`spec`), so the bundles are what a user of this runtime would write.
func (e *env) loadDefaultSpec() error {
	dir := filepath.Join(e.tmp, "spec")
	if err := os.Mkdir(dir, 0o700); err != nil {
		return fmt.Errorf("make %s: %w", dir, err)
	}
	defer os.RemoveAll(dir)
	cmd := exec.Command(e.bin, "spec")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s spec: %v: %s", e.bin, err, strings.TrimSpace(string(out)))
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil {
		return fmt.Errorf("read the default config from `%s spec`: %w", e.bin, err)
	}
	if err := json.Unmarshal(b, &e.base); err != nil {
		return fmt.Errorf("parse the default config from `%s spec`: %w", e.bin, err)
	}
	return nil
}

// bundle writes the bundle of OCI container id, running args, with its
// cgroup under the soak's parent.
func (e *env) bundle(id string, args []string) (string, error) {
	dir := filepath.Join(e.tmp, "bundles", id)
	if err := os.Mkdir(dir, 0o700); err != nil {
		return "", fmt.Errorf("make bundle %s: %w", dir, err)
	}
	s := e.base
	p := *s.Process
	p.Terminal = false
	p.Args = args
	s.Process = &p
	s.Root = &specs.Root{Path: e.rootfs}
	l := *s.Linux
	l.CgroupsPath = "/" + e.parent + "/" + id
	s.Linux = &l
	b, err := json.Marshal(&s)
	if err != nil {
		return "", fmt.Errorf("encode bundle %s: %w", id, err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), b, 0o600); err != nil {
		return "", fmt.Errorf("write bundle %s: %w", id, err)
	}
	return dir, nil
}

// sleeper is a container command that outlives any kill window and
// carries the marker. The trailing ":" keeps sh from exec'ing sleep in
// its place, so the marked sh stays the container's process.
func (e *env) sleeper() []string {
	return []string{"/bin/sh", "-c", "sleep 3600; :", e.marker}
}

// quick is a container command that exits at once, so that kills also
// land while the runtime tears a finished container down.
func (e *env) quick() []string { return []string{"/bin/true", e.marker} }

// friendly is the argument list of a friendly run.
func (e *env) friendly(init bool, args []string) []string {
	a := []string{"run", "--rootfs", e.rootfs}
	if init {
		a = append(a, "--init")
	}
	return append(append(a, "--"), args...)
}

// overlay is a friendly run on a copy-on-write root over the rootfs: its
// upper and work directories live in the soak's store until the run
// ends, or until the next --overlay run removes those of killed runs.
func (e *env) overlay(args []string) []string {
	return append([]string{"run", "--rootfs", e.rootfs, "--overlay", "--"}, args...)
}

// bridge is a friendly run on the --net bridge network: a veth and a
// lease, which the run tears down when it ends; a killed run's lease (and
// rules) are reclaimed by the next --net bridge run, and its veth dies
// with its container's namespace.
func (e *env) bridge(args []string) []string {
	return append([]string{"run", "--rootfs", e.rootfs, "--net", "bridge", "--"}, args...)
}

// oci is the argument list of an OCI verb under the soak's root.
func (e *env) oci(verb ...string) []string {
	return append([]string{"--root", e.root}, verb...)
}

// command is the runtime with args, its cgroup parent set for friendly
// runs, its output discarded: the soak judges by what is left, not by
// what a killed runtime managed to print.
func (e *env) command(args []string) *exec.Cmd {
	cmd := exec.Command(e.bin, args...)
	cmd.Env = append(os.Environ(), "MYCONTAINER_CGROUP_PARENT="+e.parent, "MYCONTAINER_STORAGE="+e.store)
	return cmd
}
