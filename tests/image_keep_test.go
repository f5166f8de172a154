package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startImage starts `run --image l:t` with extra flags around `sleep
// MARK` and waits until the container's sleep runs; the runtime is
// SIGKILLed when the test ends, if it still runs.
func startImage(t *testing.T, store string, flags ...string) (*exec.Cmd, string) {
	t.Helper()
	mark := marker()
	args := append([]string{"run", "--no-tty", "--stop-timeout", "0", "--storage", store}, flags...)
	cmd := exec.Command(binary, append(args, "--", "sleep", mark)...)
	must(t, cmd.Start())
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	// The runtime's own command line holds the mark too.
	waitFor(t, "the container's sleep", func() bool { return len(processesWith(mark)) > 1 })
	return cmd, mark
}

// keptNames lists kept/ of the store.
func keptNames(t *testing.T, store string) []string {
	return dirNames(t, filepath.Join(store, "kept"))
}

// run --image --name keeps the container's upper directory after it
// exits, where README says; the name is then taken until `rm NAME`, and a
// bad or taken name is one line, exit 125, nothing made.
func TestImageKeepNamed(t *testing.T) {
	store, _ := importTestImage(t)
	if r := runImage(t, store, "l:t", "--name", "web", "--", "sh", "-c", "echo kept > /srv/new && rm /srv/top"); r.code != 0 {
		t.Fatalf("run --name web: exit %d %s", r.code, r.stderr)
	}
	upper := filepath.Join(store, "kept", "web", "upper")
	if b, err := os.ReadFile(upper + "/srv/new"); err != nil || string(b) != "kept\n" {
		t.Errorf("the kept upper directory has no /srv/new: %q %v", b, err)
	}
	if fi, err := os.Lstat(upper + "/srv/top"); err != nil || fi.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("the deleted /srv/top is no whiteout in the kept upper directory: %v %v", fi, err)
	}
	if left := upperDirs(t, store); len(left) != 0 {
		t.Errorf("containers/ after a kept run: %v", left)
	}
	r := run(t, "container", "ls", "--storage", store)
	if r.code != 0 || !strings.Contains(r.stdout, "web") || !strings.Contains(r.stdout, "l:t") ||
		!strings.Contains(r.stdout, "exited") || !strings.Contains(r.stdout, upper) {
		t.Errorf("container ls: exit %d %q %s", r.code, r.stdout, r.stderr)
	}

	before := treeSum(t, filepath.Join(store, "kept"))
	oneLine(t, "the name again", runImage(t, store, "l:t", "--name", "web", "--", "true"),
		"container name web is in use by a container kept from an earlier run")
	for _, bad := range []string{"bad/name", "..", "-x", "a b", strings.Repeat("n", 129)} {
		oneLine(t, "name "+bad, runImage(t, store, "l:t", "--name="+bad, "--", "true"), "container name")
	}
	oneLine(t, "--name without an image", run(t, "run", "--no-tty", "--rootfs", rootfs, "--name", "x", "--", "true"),
		"only a container with --image or --overlay")
	if after := treeSum(t, filepath.Join(store, "kept")); after != before || !slices.Equal(keptNames(t, store), []string{"web"}) {
		t.Errorf("a refused run changed kept/: %v", keptNames(t, store))
	}
	if left := upperDirs(t, store); len(left) != 0 {
		t.Errorf("a refused run left containers/: %v", left)
	}

	if r := img(t, store, "rm", "web"); r.code != 0 {
		t.Fatalf("rm web: exit %d %s", r.code, r.stderr)
	}
	if left := keptNames(t, store); len(left) != 0 {
		t.Errorf("kept/ after rm: %v", left)
	}
	oneLine(t, "rm of a removed container", img(t, store, "rm", "web"), "no such kept container")
	oneLine(t, "rm of a bad name", img(t, store, "rm", "../layers"), "container name")
	if r := runImage(t, store, "l:t", "--name", "web", "--", "cat", "/srv/top"); r.code != 0 || r.stdout != "from the top layer\n" {
		t.Errorf("the name after rm: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
}

// --overlay --keep: the plain rootfs is unchanged, the container's
// writes are kept under a made-up name, which run prints.
func TestImageKeepOverlay(t *testing.T) {
	store := newStore(t)
	before := treeSum(t, rootfs)
	r := run(t, "run", "--no-tty", "--storage", store, "--rootfs", rootfs, "--overlay", "--keep", "--", "sh", "-c", "echo x > /etc/kept")
	if r.code != 0 {
		t.Fatalf("run --overlay --keep: exit %d %s", r.code, r.stderr)
	}
	if treeSum(t, rootfs) != before {
		t.Error("the rootfs changed under --overlay --keep")
	}
	names := keptNames(t, store)
	if len(names) != 1 || !strings.Contains(r.stderr, "mycontainer rm "+names[0]) {
		t.Fatalf("want one kept container, named on stderr: %v %q", names, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(store, "kept", names[0], "upper", "etc", "kept")); string(b) != "x\n" {
		t.Errorf("the kept upper directory: %q %v", b, err)
	}
	if r := run(t, "container", "ls", "-q", "--storage", store); r.stdout != names[0]+"\n" {
		t.Errorf("container ls -q: %q %s", r.stdout, r.stderr)
	}
	if r := run(t, "container", "rm", "--storage", store, names[0]); r.code != 0 || len(keptNames(t, store)) != 0 {
		t.Errorf("container rm: exit %d %s %v", r.code, r.stderr, keptNames(t, store))
	}
}

// A kept container's run SIGKILLed: at any moment of its start, kept/ has
// the whole container or none; once running, its upper directory stays,
// and no mount, lock or cgroup is left (the next run sweeps the cgroup,
// and the upper directory of a killed run without --keep, as before).
func TestImageKeepKilled(t *testing.T) {
	store, _ := importTestImage(t)
	parent := cgroupParent(t)
	for i, at := range []time.Duration{0, 2 * time.Millisecond, 5 * time.Millisecond, 10 * time.Millisecond, 20 * time.Millisecond} {
		cmd := exec.Command(binary, "run", "--no-tty", "--storage", store, "--cgroup-parent", parent, "--image", "l:t",
			"--name", fmt.Sprintf("early%d", i), "--", "true")
		must(t, cmd.Start())
		time.Sleep(at)
		must(t, cmd.Process.Signal(syscall.SIGKILL))
		_ = cmd.Wait()
	}
	for _, n := range keptNames(t, store) {
		if got := dirNames(t, filepath.Join(store, "kept", n)); !slices.Equal(got, []string{"upper", "uses", "work"}) {
			t.Errorf("kept/%s of a run killed while it started is half made: %v", n, got)
		}
	}

	cmd, mark := startImage(t, store, "--cgroup-parent", parent, "--image", "l:t", "--name", "k")
	if r := run(t, "container", "ls", "--storage", store); !strings.Contains(r.stdout, fmt.Sprintf("running (run pid %d)", cmd.Process.Pid)) {
		t.Errorf("container ls while k runs: %q %s", r.stdout, r.stderr)
	}
	oneLine(t, "rm of a running container", img(t, store, "rm", "k"), "container k is running")
	oneLine(t, "the name of a running container", runImage(t, store, "l:t", "--name", "k", "--", "true"),
		"in use by a running container")
	must(t, cmd.Process.Signal(syscall.SIGKILL))
	_ = cmd.Wait()
	waitFor(t, "the container to die with the runtime", func() bool { return len(processesWith(mark)) == 0 })
	if m := overlayMountsOf(t, store); len(m) != 0 {
		t.Errorf("mounts left on the host: %v", m)
	}
	if r := run(t, "container", "ls", "--storage", store); !strings.Contains(r.stdout, "exited") {
		t.Errorf("the killed run's lock is still held: %q %s", r.stdout, r.stderr)
	}

	// A killed run without --keep, then one that sweeps.
	plain, mark2 := startImage(t, store, "--cgroup-parent", parent, "--image", "l:t")
	must(t, plain.Process.Signal(syscall.SIGKILL))
	_ = plain.Wait()
	waitFor(t, "the container to die with the runtime", func() bool { return len(processesWith(mark2)) == 0 })
	if left := upperDirs(t, store); len(left) == 0 {
		t.Error("no upper directory left by the killed run: the sweep below proves nothing")
	}
	if r := run(t, "run", "--no-tty", "--storage", store, "--cgroup-parent", parent, "--image", "l:t", "--", "true"); r.code != 0 {
		t.Fatalf("run: exit %d %s", r.code, r.stderr)
	}
	if left := upperDirs(t, store); len(left) != 0 {
		t.Errorf("upper directories left after the sweeping run: %v", left)
	}
	if cg := containerCgroups(t, parent); len(cg) != 0 {
		t.Errorf("cgroups left after the sweeping run: %v", cg)
	}
	if !slices.Contains(keptNames(t, store), "k") {
		t.Fatalf("the killed kept container's files are gone: %v", keptNames(t, store))
	}
	if _, err := os.Stat(filepath.Join(store, "kept", "k", "upper")); err != nil {
		t.Errorf("the kept upper directory: %v", err)
	}
	for _, n := range keptNames(t, store) {
		if r := img(t, store, "rm", n); r.code != 0 {
			t.Errorf("rm %s: exit %d %s", n, r.code, r.stderr)
		}
	}
}

// rmi refuses an image a running or a kept container uses, naming it;
// --force removes it, and its layers stay (prune too keeps them) until no
// container uses them.
func TestImageRmiInUse(t *testing.T) {
	store, im := importTestImage(t)
	layers := dirNames(t, filepath.Join(store, "layers"))
	cmd, _ := startImage(t, store, "--image", "l:t")
	oneLine(t, "rmi of a running container's image", img(t, store, "rmi", "l:t"),
		fmt.Sprintf("image l:t is in use by a running container (run pid %d)", cmd.Process.Pid))
	if len(storeImages(t, store)) != 1 {
		t.Fatal("a refused rmi removed the image")
	}
	if r := img(t, store, "rmi", "--force", "l:t"); r.code != 0 {
		t.Fatalf("rmi --force: exit %d %s", r.code, r.stderr)
	}
	if r := run(t, "image", "prune", "--storage", store); r.code != 0 || !slices.Equal(dirNames(t, filepath.Join(store, "layers")), layers) {
		t.Errorf("prune removed a running container's layers: %s %v", r.stderr, dirNames(t, filepath.Join(store, "layers")))
	}
	must(t, cmd.Process.Signal(syscall.SIGTERM))
	_ = cmd.Wait()
	if r := run(t, "image", "prune", "--storage", store); r.code != 0 || len(dirNames(t, filepath.Join(store, "layers"))) != 0 {
		t.Errorf("prune after the container ended: %s %v", r.stderr, dirNames(t, filepath.Join(store, "layers")))
	}

	if r := img(t, store, "import", filepath.Join(im.dir, "L")); r.code != 0 {
		t.Fatalf("import: %s", r.stderr)
	}
	if r := runImage(t, store, "l:t", "--name", "db", "--", "true"); r.code != 0 {
		t.Fatalf("run --name db: exit %d %s", r.code, r.stderr)
	}
	oneLine(t, "rmi of a kept container's image", img(t, store, "rmi", "l:t"), "image l:t is in use by container db (exited, kept")
	if r := img(t, store, "rmi", "--force", "l:t"); r.code != 0 || len(storeImages(t, store)) != 0 {
		t.Fatalf("rmi --force: exit %d %s", r.code, r.stderr)
	}
	if r := run(t, "image", "prune", "--storage", store); r.code != 0 || !slices.Equal(dirNames(t, filepath.Join(store, "layers")), layers) {
		t.Errorf("prune removed a kept container's layers: %s %v", r.stderr, dirNames(t, filepath.Join(store, "layers")))
	}
	if r := img(t, store, "rm", "db"); r.code != 0 {
		t.Fatalf("rm db: exit %d %s", r.code, r.stderr)
	}
	if r := run(t, "image", "prune", "--storage", store); r.code != 0 || len(dirNames(t, filepath.Join(store, "layers"))) != 0 {
		t.Errorf("prune after rm: %s %v", r.stderr, dirNames(t, filepath.Join(store, "layers")))
	}
}
