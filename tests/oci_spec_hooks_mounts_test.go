package tests

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// config.md: createRuntime and createContainer hooks run "after the
// runtime environment has been created (according to the configuration
// in config.json) but before pivot_root". The config's own mounts exist
// then: what a hook makes under one of them (nvidia-container-toolkit's
// device nodes under the tmpfs podman puts on /dev) is in the container,
// not covered by a mount made after it. Both kinds of hook: the
// createContainer one in the container's mount namespace, the
// createRuntime one (in the runtime's) entering it by init's PID, as such
// hooks do (nvidia-container-cli --pid).

// hookMountsBundle is a bundle whose config has a tmpfs on /mnt-point
// (over a file of the image, which it must hide) besides the default
// tmpfs on /dev, and whose hooks, through edit, write under both.
func hookMountsBundle(t *testing.T, e *ociEnv, id string, args []string, edit func(s *specs.Spec)) string {
	t.Helper()
	under := filepath.Join(e.rootfs, "mnt-point")
	if err := os.Mkdir(under, 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(under, "underneath"), "the image's")
	return e.bundle(t, id, args, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt-point", Type: "tmpfs", Source: "tmpfs", Options: []string{"nosuid", "mode=755"}})
		edit(s)
	})
}

// hookScript is what each hook does under root (init's root, attached
// at root.path while the hooks run): it lists what it finds at the
// config's mount point, notes whether its mount namespace shows a tmpfs
// there, then makes a file under /dev and bind-mounts a host directory
// under /mnt-point.
func hookScript(root, log, lib, tag string) string {
	return "ls " + root + "/mnt-point > " + log + "/" + tag + "-ls; " +
		"grep -c \" " + root + "/mnt-point .* tmpfs \" /proc/self/mountinfo > " + log + "/" + tag + "-mountinfo; " +
		"echo " + tag + " > " + root + "/dev/" + tag + "-node && " +
		"mkdir " + root + "/mnt-point/" + tag + " && /bin/mount --bind " + lib + " " + root + "/mnt-point/" + tag
}

func TestSpecHooksSeeConfigMounts(t *testing.T) {
	for _, kind := range []string{"createContainer", "createRuntime"} {
		t.Run(kind, func(t *testing.T) {
			e := newOCIEnv(t)
			m := marker()
			lib, log := t.TempDir(), t.TempDir()
			writeFile(t, filepath.Join(lib, "libinjected.so"), m)
			script := hookScript(e.rootfs, log, lib, kind)
			if kind == "createRuntime" {
				// The runtime's namespaces: enter init's mount namespace,
				// its PID from the state on stdin.
				script = `pid=$(sed 's/.*"pid":\([0-9]*\).*/\1/'); nsenter -t "$pid" -m sh -c '` + script + `'`
			}
			hook := specs.Hook{Path: "/bin/sh", Args: []string{"sh", "-c", script}}
			b := hookMountsBundle(t, e, "hookmnt", []string{"sh", "-c",
				"cat /dev/" + kind + "-node /mnt-point/" + kind + "/libinjected.so; ls /mnt-point"}, func(s *specs.Spec) {
				if kind == "createRuntime" {
					s.Hooks = &specs.Hooks{CreateRuntime: []specs.Hook{hook}}
				} else {
					s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{hook}}
				}
			})
			before := snapshot(t)
			r := e.oci(t, "run", "--bundle", b, "hookmnt")
			want := kind + "\n" + m + kind + "\n"
			if r.code != 0 || r.stdout != want {
				t.Errorf("run: exit %d, stdout %q, want %q (the hook's node and mount, under the config's mounts): stderr %q", r.code, r.stdout, want, r.stderr)
			}
			if ls := readFile(t, filepath.Join(log, kind+"-ls")); strings.Contains(ls, "underneath") {
				t.Errorf("the hook saw the image's directory, not the config's tmpfs on /mnt-point: ls %q", ls)
			}
			if n := strings.TrimSpace(readFile(t, filepath.Join(log, kind+"-mountinfo"))); n != "1" {
				t.Errorf("the hook's mount namespace shows %s tmpfs at root.path/mnt-point, want 1", n)
			}
			if _, err := os.Stat(filepath.Join(e.rootfs, "dev", kind+"-node")); err == nil {
				t.Errorf("the hook's node went into the image's /dev, under the config's tmpfs")
			}
			before.assertClean(t, m)
		})
	}
}

// The mount helper resolves every destination inside the root, as init
// does after the pivot; before it "/" is the host's, so a symlink of the
// image that points out of the rootfs (absolute or by "..") must still
// land inside it (CVE-2021-30465's class), and the runtime's own trees
// (/dev here) are never reached through a symlink at all.
func TestSpecHooksMountThroughSymlinkStaysInRoot(t *testing.T) {
	hook := &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}}
	for _, link := range []string{"abs", "rel"} {
		t.Run(link, func(t *testing.T) {
			e := newOCIEnv(t)
			host := t.TempDir()
			target := host
			if link == "rel" {
				target = strings.Repeat("../", 20) + strings.TrimPrefix(host, "/")
			}
			if err := os.Symlink(target, filepath.Join(e.rootfs, "evil")); err != nil {
				t.Fatal(err)
			}
			vol := t.TempDir()
			writeFile(t, filepath.Join(vol, "volfile"), "vol")
			b := e.bundle(t, "hookevil", []string{"sh", "-c", "ls /evil/sub /evil/bound"}, func(s *specs.Spec) {
				s.Hooks = hook
				s.Mounts = append(s.Mounts,
					specs.Mount{Destination: "/evil/sub", Type: "tmpfs", Source: "tmpfs"},
					specs.Mount{Destination: "/evil/bound", Type: "bind", Source: vol, Options: []string{"rbind"}})
			})
			before := snapshot(t)
			r := e.oci(t, "run", "--bundle", b, "hookevil")
			if r.code != 0 || !strings.Contains(r.stdout, "volfile") {
				t.Errorf("run: exit %d, stdout %q, stderr %q: want the mounts inside the root", r.code, r.stdout, r.stderr)
			}
			emptyDir(t, host)
			if _, err := os.Stat(filepath.Join(e.rootfs, host, "sub")); err != nil {
				t.Errorf("the link was not followed inside the rootfs: %v", err)
			}
			before.assertClean(t, "")
		})
	}
	t.Run("dev", func(t *testing.T) {
		e := newOCIEnv(t)
		host := t.TempDir()
		if err := os.RemoveAll(filepath.Join(e.rootfs, "dev")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(host, filepath.Join(e.rootfs, "dev")); err != nil {
			t.Fatal(err)
		}
		b := e.bundle(t, "hookdev", []string{"true"}, func(s *specs.Spec) { s.Hooks = hook })
		before := snapshot(t)
		r := e.oci(t, "run", "--bundle", b, "hookdev")
		if r.code == 0 || !strings.Contains(r.stderr, "/dev") || !strings.Contains(r.stderr, "symlink") || !strings.Contains(r.stderr, "before the hooks") {
			t.Errorf("run: exit %d, stderr %q: want a refusal naming /dev as a symlink, before the hooks", r.code, r.stderr)
		}
		emptyDir(t, host)
		if out := e.oci(t, "list", "-q"); strings.TrimSpace(out.stdout) != "" {
			t.Errorf("left in the store: %q", out.stdout)
		}
		before.assertClean(t, "")
	})
}

// CVE-2023-27561's form with hooks: a destination that leads into the
// container's procfs through a symlink of the image (/link -> /proc/sys,
// procfs once the config's /proc is mounted). The mount helper checks
// where the destination really led, as init does: refused, naming procfs.
func TestSpecHooksMountIntoProcThroughSymlink(t *testing.T) {
	e := newOCIEnv(t)
	if err := os.Symlink("/proc/sys/kernel", filepath.Join(e.rootfs, "link")); err != nil {
		t.Fatal(err)
	}
	b := e.bundle(t, "hookproc", []string{"echo", "RAN"}, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/link", Type: "tmpfs", Source: "tmpfs"})
	})
	before := snapshot(t)
	r := e.oci(t, "run", "--bundle", b, "hookproc")
	if r.code == 0 || strings.Contains(r.stdout, "RAN") || !strings.Contains(r.stderr, "procfs") || !strings.Contains(r.stderr, "/link") {
		t.Errorf("run: exit %d, stdout %q, stderr %q: want a refusal naming /link and procfs", r.code, r.stdout, r.stderr)
	}
	if out := e.oci(t, "list", "-q"); strings.TrimSpace(out.stdout) != "" {
		t.Errorf("left in the store: %q", out.stdout)
	}
	if d := containerCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
	before.assertClean(t, "")
}

// A create SIGKILLed while a hook runs, after the mount helper made the
// config's mounts in init's mount namespace: init, the hook and the
// mounts go with it (they live in that namespace only), and delete
// --force leaves no state and no cgroup. Nothing reached the host's
// mount table.
func TestSpecHooksMountsKilledCreate(t *testing.T) {
	e := newOCIEnv(t)
	m := marker()
	b := hookMountsBundle(t, e, "killed", []string{"true"}, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/sleep", Args: []string{"sleep", "3" + m}}}}
	})
	before := snapshot(t)
	cmd := exec.Command(binary, "--root", e.root, "create", "--bundle", b, "killed")
	killWhileHookRuns(t, cmd, m)
	waitFor(t, "init and its hook to die with create", func() bool {
		return len(processesWith(m)) == 0 && len(processesInCgroup(e.parent)) == 0
	})
	if r := e.oci(t, "delete", "--force", "killed"); r.code != 0 {
		t.Errorf("delete --force: exit %d: %s", r.code, r.stderr)
	}
	if r := e.oci(t, "list", "-q"); strings.TrimSpace(r.stdout) != "" {
		t.Errorf("left in the store: %q", r.stdout)
	}
	if d := childCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
	before.assertClean(t, m)
}

// CVE-2019-5736 and the mount helper: it runs the runtime's binary in the
// container's namespaces, so it gets what every such stage gets. Caught
// while it works (a config with many mounts keeps it busy for a while):
// its /proc/PID/exe, held open, cannot be reopened for writing once it
// has exited (a read-only bind of the binary, never the file on disk;
// nsexec/exe.go), and every fd it holds above 2 is close-on-exec. No
// process of the container exists meanwhile: init waits in C, and the
// hooks start after the helper is gone.
func TestCVE2019_5736MountHelperRunsProtectedCopy(t *testing.T) {
	e := newOCIEnv(t)
	vol := t.TempDir()
	b := e.bundle(t, "helper", []string{"true"}, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}}
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/vol", Type: "bind", Source: vol, Options: []string{"rbind"}})
		for i := 0; i < 3000; i++ {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: fmt.Sprintf("/many/%d", i), Type: "tmpfs", Source: "tmpfs"})
		}
	})
	cmd := exec.Command(binary, "--root", e.root, "run", "--bundle", b, "helper")
	exited, output := startLogged(t, cmd)
	// The helper is the runtime's child (CLONE_PARENT) named myc:[exec].
	exe, fds := -1, ""
	for exe < 0 {
		select {
		case err := <-exited:
			t.Fatalf("run ended (%v) before the mount helper was seen: %s", err, output())
		default:
		}
		pid := childNamed(cmd.Process.Pid, "myc:[exec]")
		if pid == 0 {
			continue
		}
		fd, err := unix.Open(fmt.Sprintf("/proc/%d/exe", pid), unix.O_PATH|unix.O_CLOEXEC, 0)
		if err != nil {
			continue // gone already, or not yet exec'd
		}
		exe, fds = fd, notCloexec(pid)
	}
	defer unix.Close(exe)
	if err := <-exited; err != nil {
		t.Fatalf("run: %v: %s", err, output())
	}
	if fds != "" {
		t.Errorf("the mount helper held fds without close-on-exec: %s", fds)
	}
	f, err := os.OpenFile(fmt.Sprintf("/proc/self/fd/%d", exe), os.O_WRONLY, 0)
	if err == nil {
		f.Close()
		t.Fatal("the mount helper's /proc/PID/exe reopened for writing: it ran the runtime's file on disk")
	}
	if !errors.Is(err, unix.EROFS) && !errors.Is(err, unix.EPERM) {
		t.Errorf("reopen the helper's exe for writing: %v, want EROFS (read-only bind) or EPERM (sealed copy)", err)
	}
}

// childNamed finds a child of parent whose comm is name (0: none).
func childNamed(parent int, name string) int {
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		b, err := os.ReadFile(filepath.Join("/proc", ent.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...
		s := string(b)
		open, end := strings.IndexByte(s, '('), strings.LastIndexByte(s, ')')
		if open < 0 || end < open || s[open+1:end] != name {
			continue
		}
		f := strings.Fields(s[end+1:])
		if len(f) > 1 && f[1] == fmt.Sprint(parent) {
			pid, _ := strconv.Atoi(ent.Name())
			return pid
		}
	}
	return 0
}

// notCloexec lists pid's fds above 2 without O_CLOEXEC (fdinfo's flags).
func notCloexec(pid int) string {
	var bad []string
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	ents, _ := os.ReadDir(dir)
	for _, ent := range ents {
		n, _ := strconv.Atoi(ent.Name())
		if n <= 2 {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, ent.Name()))
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "flags:"); ok {
				flags, _ := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
				if flags&unix.O_CLOEXEC == 0 {
					target, _ := os.Readlink(fmt.Sprintf("/proc/%d/fd/%d", pid, n))
					bad = append(bad, fmt.Sprintf("%d -> %s", n, target))
				}
			}
		}
	}
	return strings.Join(bad, ", ")
}

// A create SIGKILLed while the mount helper works (a config with many
// mounts keeps it busy): the helper dies with it (PR_SET_PDEATHSIG, and
// with init's PID namespace), init too, and nothing is left: no process,
// no cgroup, no state after delete --force, no mount on the host.
func TestSpecHooksMountHelperKilled(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "helperkilled", []string{"true"}, func(s *specs.Spec) {
		s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}}
		for i := 0; i < 3000; i++ {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: fmt.Sprintf("/many/%d", i), Type: "tmpfs", Source: "tmpfs"})
		}
	})
	before := snapshot(t)
	cmd := exec.Command(binary, "--root", e.root, "create", "--bundle", b, "helperkilled")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	helper := 0
	for helper == 0 {
		select {
		case err := <-exited:
			t.Fatalf("create ended (%v) before the mount helper was seen", err)
		default:
		}
		helper = childNamed(cmd.Process.Pid, "myc:[exec]")
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-exited
	waitFor(t, "the mount helper and init to die with create", func() bool {
		_, err := os.Stat(fmt.Sprintf("/proc/%d", helper))
		return os.IsNotExist(err) && len(processesInCgroup(e.parent)) == 0
	})
	if r := e.oci(t, "delete", "--force", "helperkilled"); r.code != 0 {
		t.Errorf("delete --force: exit %d: %s", r.code, r.stderr)
	}
	if r := e.oci(t, "list", "-q"); strings.TrimSpace(r.stdout) != "" {
		t.Errorf("left in the store: %q", r.stdout)
	}
	if d := childCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
	before.assertClean(t, "")
}
