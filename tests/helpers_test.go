package tests

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// result is what one run of the runtime produced.
type result struct {
	stdout, stderr string
	code           int
}

// run starts mycontainer with args and waits for it (at most one minute:
// a hang is a failure, not a timing assertion).
func run(t *testing.T, args ...string) result {
	t.Helper()
	return runBinWithin(t, binary, time.Minute, args...)
}

// runBin is run with another copy of the runtime binary.
func runBin(t *testing.T, bin string, args ...string) result {
	t.Helper()
	return runBinWithin(t, bin, time.Minute, args...)
}

// runWithin is run with another bound on the wait. A runtime still
// running after d is SIGKILLed and the test fails.
func runWithin(t *testing.T, d time.Duration, args ...string) result {
	t.Helper()
	return runBinWithin(t, binary, d, args...)
}

func runBinWithin(t *testing.T, bin string, d time.Duration, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	return runToFiles(t, ctx, exec.CommandContext(ctx, bin, args...), d)
}

// runToFiles runs cmd (made with ctx, bounded by d) with its output in
// files, not pipes: a detached container (create, run -d) keeps the
// runtime's stdio open after the runtime exits, and Wait would block on
// a pipe until the container ends.
func runToFiles(t *testing.T, ctx context.Context, cmd *exec.Cmd, d time.Duration) result {
	t.Helper()
	dir := t.TempDir()
	out, err := os.Create(filepath.Join(dir, "stdout"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	errf, err := os.Create(filepath.Join(dir, "stderr"))
	if err != nil {
		t.Fatal(err)
	}
	defer errf.Close()
	cmd.Stdout, cmd.Stderr = out, errf
	code := exitCode(t, cmd.Run())
	if ctx.Err() != nil {
		t.Errorf("%s %s: still running after %v: killed it", cmd.Path, strings.Join(cmd.Args[1:], " "), d)
	}
	o, _ := os.ReadFile(out.Name())
	e, _ := os.ReadFile(errf.Name())
	return result{string(o), string(e), code}
}

func exitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	default:
		t.Fatalf("run %s: %v", binary, err)
		return -1
	}
}

// inRootfs runs a command in the test rootfs.
func inRootfs(t *testing.T, extra []string, cmd ...string) result {
	t.Helper()
	args := append([]string{"run", "--rootfs", rootfs}, extra...)
	args = append(args, "--")
	return run(t, append(args, cmd...)...)
}

func mountinfo(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	sort.Strings(lines)
	return lines
}

var markerSeq atomic.Int64

// marker returns a string unique to this test run, to find the test's own
// container processes on the host afterwards.
func marker() string {
	return fmt.Sprintf("9%05d%03d", os.Getpid()%100000, markerSeq.Add(1))
}

// processesWith lists host PIDs whose command line contains s.
func processesWith(s string) []string {
	var found []string
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte(s)) && e.Name() != fmt.Sprint(os.Getpid()) {
			found = append(found, e.Name())
		}
	}
	return found
}

// leftovers snapshots what a run could leave behind on the host: mounts,
// processes carrying the marker, and files named after the runtime in the
// temporary and runtime directories.
type leftovers struct {
	mounts []string
	files  map[string]bool
}

func snapshot(t *testing.T) leftovers {
	return leftovers{mounts: mountinfo(t), files: runtimeFiles()}
}

func runtimeFiles() map[string]bool {
	files := map[string]bool{}
	for _, dir := range []string{os.TempDir(), "/run", "/dev/shm"} {
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if strings.HasPrefix(e.Name(), "mycontainer") && !strings.HasPrefix(e.Name(), "mycontainer-test-bin-") && !strings.HasPrefix(e.Name(), "mycontainer-vm") {
				files[filepath.Join(dir, e.Name())] = true
			}
		}
	}
	return files
}

// assertClean fails the test if the host differs from the snapshot: a
// mount added or removed, a container process alive, a file left over.
func (l leftovers) assertClean(t *testing.T, mark string) {
	t.Helper()
	after := mountinfo(t)
	if strings.Join(after, "\n") != strings.Join(l.mounts, "\n") {
		t.Errorf("host mount table changed:\nbefore:\n%s\nafter:\n%s", strings.Join(l.mounts, "\n"), strings.Join(after, "\n"))
	}
	if mark != "" {
		// The kernel tears a PID namespace down asynchronously after its
		// init dies; give it a moment before calling a process a leak.
		var pids []string
		for i := 0; i < 50; i++ {
			if pids = processesWith(mark); len(pids) == 0 {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if len(pids) > 0 {
			t.Errorf("container processes left behind: %v", pids)
		}
	}
	for f := range runtimeFiles() {
		if !l.files[f] {
			t.Errorf("file left behind: %s", f)
		}
	}
}

// minimalRootfs makes a throwaway rootfs with busybox and sh, for tests
// that need to plant something hostile in it.
func minimalRootfs(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	bb, err := os.ReadFile(filepath.Join(rootfs, "bin/busybox"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"sh", "ls", "cat", "echo", "true", "mount", "stat"} {
		if err := os.Symlink("busybox", filepath.Join(dir, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// childPIDs lists the direct children of pid (all its threads).
func childPIDs(pid int) []string {
	var kids []string
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", pid))
	for _, f := range tasks {
		b, _ := os.ReadFile(f)
		kids = append(kids, strings.Fields(string(b))...)
	}
	return kids
}

// waitFor polls cond every 10 ms until it holds or 10 s pass.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for i := 0; i < 1000; i++ {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// containerInit returns the host PID of the container's init: the
// runtime's only child once stage-1 (which exits at once) is reaped.
func containerInit(t *testing.T, runtime int) int {
	t.Helper()
	var kids []string
	waitFor(t, "stage-1 to be reaped", func() bool {
		kids = childPIDs(runtime)
		return len(kids) == 1
	})
	pid, err := strconv.Atoi(kids[0])
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

// privateRootfs copies the test rootfs into the test's own temporary
// directory, for a test that writes into its rootfs: the shared one stays
// as `make rootfs` made it, so "created if missing" is tested every run.
func privateRootfs(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rootfs")
	if out, err := exec.Command("cp", "-a", rootfs, dir).CombinedOutput(); err != nil {
		t.Fatalf("copy the rootfs: %v: %s", err, out)
	}
	return dir
}
