// Package tests holds mycontainer's integration tests. They run real
// containers as root: real namespaces, mounts, ptys and signals. Each test
// checks that nothing is left behind on the host.
package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"mycontainer/cgroups"
)

var (
	binary string // the mycontainer binary under test
	rootfs string // testdata/rootfs, built by `make rootfs`
)

func TestMain(m *testing.M) {
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "integration tests need root: run `sudo make test`")
		os.Exit(1)
	}
	// In the cgroup v2 VM (make test-v2) there is no Go toolchain: the
	// binary and the rootfs come prebuilt, named by these variables.
	rootfs = os.Getenv("MYCONTAINER_TEST_ROOTFS")
	if rootfs == "" {
		rootfs = "../testdata/rootfs"
	}
	var err error
	if rootfs, err = filepath.Abs(rootfs); err != nil {
		panic(err)
	}
	// The mutants runner's tree has testdata/rootfs as a symlink to the
	// source tree's: privateRootfs's `cp -a` copied that link, and the
	// tests that plant files and symlinks in their "private" rootfs
	// changed the shared one (a later test's /dev was a symlink).
	if r, err := filepath.EvalSymlinks(rootfs); err == nil {
		rootfs = r
	}
	if _, err := os.Stat(filepath.Join(rootfs, "bin/busybox")); err != nil {
		fmt.Fprintln(os.Stderr, "test rootfs missing: run `make rootfs` first:", err)
		os.Exit(1)
	}
	if binary = os.Getenv("MYCONTAINER_TEST_BIN"); binary != "" {
		os.Exit(runChecked(m))
	}
	dir, err := os.MkdirTemp("", "mycontainer-test-bin-")
	if err != nil {
		panic(err)
	}
	// World-readable, so the non-root test can execute it.
	if err := os.Chmod(dir, 0o755); err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "mycontainer")
	build := exec.Command("go", "build", "-o", binary, "..")
	// pull and import exec mycontainer-image, beside the binary.
	if out, err := exec.Command("go", "build", "-o", binary+"-image", "../cmd/mycontainer-image").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build mycontainer-image: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// --net bridge and network ... exec mycontainer-net, beside it too.
	if out, err := exec.Command("go", "build", "-o", binary+"-net", "../cmd/mycontainer-net").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build mycontainer-net: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// A seccomp profile whose program is not cached yet is compiled by
	// mycontainer-seccomp, beside the binary too.
	sc := exec.Command("go", "build", "-o", binary+"-seccomp", "../cmd/mycontainer-seccomp")
	if out, err := sc.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build mycontainer-seccomp: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	// The network tests' client and UDP server, static, run inside containers.
	nt := exec.Command("go", "build", "-o", binary+"-nettool", "./nettool")
	nt.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := nt.CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build nettool: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build mycontainer:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := runChecked(m)
	os.RemoveAll(dir)
	os.Exit(code)
}

// runChecked runs the tests with every `run` container's cgroup under a
// parent of this test run's own (tests that name no --cgroup-parent get it
// through the environment), then removes that parent. The removal fails
// if any container cgroup is left under it: a leak fails the suite.
func runChecked(m *testing.M) int {
	parent := fmt.Sprintf("mycontainer-test-run-%d", os.Getpid())
	os.Setenv("MYCONTAINER_CGROUP_PARENT", parent)
	code := m.Run()
	removeAttackers()
	removeLeakProbe()
	mode, err := cgroups.DetectMode()
	if err == nil {
		err = cgroups.RemoveParent(mode, parent)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "container cgroups left behind by the tests:", err)
		return 1
	}
	return code
}
