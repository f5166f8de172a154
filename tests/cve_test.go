package tests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The runtime CVE classes (runc's advisories), one test each, on every
// path where the attack applies: the friendly `run`, `run --bundle` and
// `exec`. CVE-2019-5736 has its own file (cve_2019_5736_test.go).

// cveRootfs is a throwaway rootfs with the usual mount points, to plant
// hostile things in.
func cveRootfs(t *testing.T) string {
	t.Helper()
	root := minimalRootfs(t)
	for _, a := range []string{"grep", "sleep", "head", "readlink", "pwd", "touch", "umount", "tty"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", a)); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"proc", "dev", "sys", "tmp", "etc"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func writeFile(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// emptyDir fails the test if the host directory dir holds anything.
func emptyDir(t *testing.T, dir string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 0 {
		t.Errorf("something landed in the host dir %s: %v", dir, ents)
	}
}

// runDetached starts id from bundle b in the background and registers its
// removal.
func runDetached(t *testing.T, e *ociEnv, id, b string) {
	t.Helper()
	if r := e.oci(t, "run", "--detach", "--bundle", b, id); r.code != 0 {
		t.Fatalf("run -d %s: exit %d: %s", id, r.code, r.stderr)
	}
	t.Cleanup(func() { e.oci(t, "delete", "--force", id) })
}

// CVE-2021-30465: runc mounted onto a destination it had resolved by its
// string; a racing process in a shared volume swapped a directory on that
// path for a symlink between the check and the mount, and the mount
// landed on the host. Here every destination is resolved once, inside the
// root, into an fd, and the mount is made on that fd.
//
// exec does not apply: it mounts nothing, it joins the container's mount
// namespace as it is.
func TestCVE2021_30465MountTargetSwappedForSymlink(t *testing.T) {
	// The deterministic form: the first volume is a host dir shared with
	// an attacker, and a later destination lies inside it. The attacker
	// has already put a symlink there pointing out of the root.
	setup := func(t *testing.T) (root, shared, vol, hostDir string) {
		root = cveRootfs(t)
		shared, vol, hostDir = t.TempDir(), t.TempDir(), t.TempDir()
		writeFile(t, filepath.Join(vol, "file"), "VOLUME\n")
		// Absolute: on the host it is hostDir; in the root, <root>/hostDir.
		if err := os.Symlink(hostDir, filepath.Join(shared, "vol")); err != nil {
			t.Fatal(err)
		}
		return
	}
	check := func(t *testing.T, r result, root, hostDir string, before leftovers) {
		t.Helper()
		if r.code != 0 || r.stdout != "VOLUME\n" {
			t.Errorf("exit %d, stdout %q, stderr %q; want the volume seen through the link", r.code, r.stdout, r.stderr)
		}
		// (The link's target is made inside the root, under /tmp: the
		// friendly run's /tmp tmpfs, which goes away with the container.)
		before.assertClean(t, "")
		emptyDir(t, hostDir)
	}
	t.Run("run", func(t *testing.T) {
		root, shared, vol, hostDir := setup(t)
		before := snapshot(t)
		r := run(t, "run", "--rootfs", root, "-v", shared+":/shared", "-v", vol+":/shared/vol", "--", "cat", "/shared/vol/file")
		check(t, r, root, hostDir, before)
	})
	t.Run("run-bundle", func(t *testing.T) {
		root, shared, vol, hostDir := setup(t)
		e := newOCIEnv(t)
		b := e.bundle(t, "c1", []string{"cat", "/shared/vol/file"}, func(s *specs.Spec) {
			s.Root.Path = root
			s.Mounts = append(s.Mounts,
				specs.Mount{Destination: "/shared", Type: "bind", Source: shared, Options: []string{"rbind"}},
				specs.Mount{Destination: "/shared/vol", Type: "bind", Source: vol, Options: []string{"rbind"}})
		})
		before := snapshot(t)
		r := e.oci(t, "run", "--bundle", b, "c1")
		check(t, r, root, hostDir, before)
	})
	// The racing form: a host process swaps <shared>/vol between a
	// directory and that symlink (RENAME_EXCHANGE, atomic) as fast as it
	// can, during 20 starts. A start may fail; nothing may land on the host.
	t.Run("run-racing", func(t *testing.T) {
		root, shared, vol, hostDir := setup(t)
		if err := os.Mkdir(filepath.Join(shared, "alt"), 0o755); err != nil {
			t.Fatal(err)
		}
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			a, b := filepath.Join(shared, "vol"), filepath.Join(shared, "alt")
			for {
				select {
				case <-stop:
					return
				default:
				}
				if err := unix.Renameat2(unix.AT_FDCWD, a, unix.AT_FDCWD, b, unix.RENAME_EXCHANGE); err != nil {
					t.Errorf("swap: %v", err)
					return
				}
			}
		}()
		before := snapshot(t)
		ran := 0
		for i := 0; i < 20; i++ {
			r := run(t, "run", "--rootfs", root, "-v", shared+":/shared", "-v", vol+":/shared/vol", "--", "cat", "/shared/vol/file")
			if r.code == 0 {
				ran++
			}
		}
		close(stop)
		wg.Wait()
		t.Logf("%d of 20 starts ran", ran)
		before.assertClean(t, "")
		emptyDir(t, hostDir)
	})
}

// runFiles is run with extra open fds (3, 4, ...) that the caller leaked
// to the runtime.
func runFiles(t *testing.T, files []*os.File, args ...string) result {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.ExtraFiles = files
	var out, errb strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errb
	done := make(chan error, 1)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return result{out.String(), errb.String(), exitCode(t, err)}
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		<-done
		t.Fatalf("mycontainer %v: still running after a minute", args)
		return result{}
	}
}

// CVE-2024-21626: runc leaked a host directory fd into the container's
// init, and process.cwd = /proc/self/fd/N made init chdir into it: the
// command started with its cwd on the host. Here the caller leaks open
// fds of a host directory (holding a marker) to the runtime, and cwd names
// /proc/self/fd/N for every small N. Either the start is refused, or the
// command runs inside the container; it never sees the host dir, and
// it never holds an fd other than 0, 1 and 2 (TestNoFDLeak is the broad
// form of that on the friendly path).
func TestCVE2024_21626LeakedFdCwd(t *testing.T) {
	hostDir := t.TempDir()
	writeFile(t, filepath.Join(hostDir, "host-marker"), "HOST\n")
	var leaked []*os.File
	for i := 0; i < 4; i++ {
		f, err := os.Open(hostDir)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		leaked = append(leaked, f) // fds 3..6 in the runtime
	}
	// Prints RAN, whether the host's marker is reachable from the cwd (or
	// its parents), and the fds the command holds.
	script := `echo RAN; cat host-marker ../host-marker ../../host-marker 2>/dev/null; echo fds $(ls /proc/self/fd)`
	check := func(t *testing.T, cwd string, r result) {
		t.Helper()
		if strings.Contains(r.stdout, "HOST") {
			t.Errorf("cwd %s: the command reached the host dir: %q", cwd, r.stdout)
		}
		if strings.Contains(r.stdout, "RAN") {
			if !strings.Contains(r.stdout, "fds 0 1 2 3\n") {
				t.Errorf("cwd %s: the command holds more fds than 0-2 (and ls's 3): %q", cwd, r.stdout)
			}
			return
		}
		if r.code == 0 || !strings.Contains(r.stderr, "cwd") && !strings.Contains(r.stderr, "working directory") {
			t.Errorf("cwd %s: exit %d, stderr %q: want a refusal naming the working directory", cwd, r.code, r.stderr)
		}
	}
	// The path itself is refused by the spec layer; a symlink of the
	// rootfs leading there (/workN -> /proc/self/fd/N) reaches init.
	cwds := []string{"/"}
	for n := 3; n <= 8; n++ {
		cwds = append(cwds, fmt.Sprintf("/proc/self/fd/%d", n), fmt.Sprintf("/work%d", n))
	}
	cveRootfs := func(t *testing.T) string {
		root := cveRootfs(t)
		for n := 3; n <= 8; n++ {
			if err := os.Symlink(fmt.Sprintf("/proc/self/fd/%d", n), filepath.Join(root, fmt.Sprintf("work%d", n))); err != nil {
				t.Fatal(err)
			}
		}
		return root
	}
	t.Run("run", func(t *testing.T) {
		root := cveRootfs(t)
		before := snapshot(t)
		for _, cwd := range cwds {
			r := runFiles(t, leaked, "run", "--rootfs", root, "-w", cwd, "--", "sh", "-c", script)
			check(t, cwd, r)
			if cwd == "/" && !strings.Contains(r.stdout, "RAN") {
				t.Fatalf("the control run failed: %d %q", r.code, r.stderr)
			}
		}
		before.assertClean(t, "")
	})
	t.Run("run-bundle", func(t *testing.T) {
		root := cveRootfs(t)
		e := newOCIEnv(t)
		before := snapshot(t)
		for i, cwd := range cwds {
			id := fmt.Sprintf("c%d", i)
			b := e.bundle(t, id, []string{"sh", "-c", script}, func(s *specs.Spec) {
				s.Root.Path = root
				s.Process.Cwd = cwd
			})
			r := runFiles(t, leaked, "--root", e.root, "run", "--bundle", b, id)
			check(t, cwd, r)
		}
		before.assertClean(t, "")
	})
	t.Run("exec", func(t *testing.T) {
		root := cveRootfs(t)
		e := newOCIEnv(t)
		runDetached(t, e, "c1", e.bundle(t, "c1", []string{"sleep", "1000"}, func(s *specs.Spec) { s.Root.Path = root }))
		for _, cwd := range cwds {
			r := runFiles(t, leaked, "--root", e.root, "exec", "--cwd", cwd, "c1", "sh", "-c", script)
			check(t, cwd, r)
		}
	})
}

// CVE-2019-16884 (and its return, CVE-2023-27561): a fake /proc, a volume
// mounted over it, made the runtime's writes and reads of /proc land in
// files the image controlled, and the masks go onto those files; runc's
// AppArmor label went to a plain file. As runc does since, only procfs
// may be mounted on /proc, and below it only the files lxcfs emulates:
// a bundle's bind or tmpfs there, a friendly volume there, and a
// destination whose symlink leads into /proc are each refused, naming
// /proc, before the command runs.
func TestCVE2019_16884FakeProcVolume(t *testing.T) {
	fake := func(t *testing.T) string {
		d := t.TempDir()
		if err := os.MkdirAll(filepath.Join(d, "sys/kernel"), 0o755); err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(d, "sys/kernel/cap_last_cap"), "0\n")
		writeFile(t, filepath.Join(d, "kcore"), "FAKE\n")
		return d
	}
	refused := func(t *testing.T, r result, before leftovers) {
		t.Helper()
		if r.code == 0 || strings.Contains(r.stdout, "RAN") {
			t.Errorf("exit %d, stdout %q: the command ran over a fake /proc", r.code, r.stdout)
		}
		if !strings.Contains(r.stderr, "/proc") || !strings.Contains(r.stderr, "procfs") {
			t.Errorf("the error does not say only procfs goes on /proc: %q", r.stderr)
		}
		before.assertClean(t, "")
	}
	for name, m := range map[string]func(fp string) specs.Mount{
		"run-bundle-bind": func(fp string) specs.Mount {
			return specs.Mount{Destination: "/proc", Type: "bind", Source: fp, Options: []string{"rbind"}}
		},
		"run-bundle-tmpfs-below": func(string) specs.Mount {
			return specs.Mount{Destination: "/proc/sys", Type: "tmpfs", Source: "tmpfs"}
		},
	} {
		t.Run(name, func(t *testing.T) {
			fp := fake(t)
			e := newOCIEnv(t)
			b := e.bundle(t, "c1", []string{"sh", "-c", "echo RAN; cat /proc/kcore"}, func(s *specs.Spec) {
				s.Mounts = append(s.Mounts[:1], append([]specs.Mount{m(fp)}, s.Mounts[1:]...)...)
			})
			before := snapshot(t)
			refused(t, e.oci(t, "run", "--bundle", b, "c1"), before)
		})
	}
	t.Run("run-volume", func(t *testing.T) {
		fp := fake(t)
		before := snapshot(t)
		refused(t, run(t, "run", "--rootfs", cveRootfs(t), "-v", fp+":/proc", "--", "sh", "-c", "echo RAN"), before)
	})
	// The name is not under /proc, the place is: /fakeproc -> /proc in
	// the image, and a tmpfs mounted there after procfs.
	t.Run("run-bundle-symlink-into-proc", func(t *testing.T) {
		root := cveRootfs(t)
		if err := os.Symlink("/proc/sys", filepath.Join(root, "fakesys")); err != nil {
			t.Fatal(err)
		}
		e := newOCIEnv(t)
		b := e.bundle(t, "c1", []string{"sh", "-c", "echo RAN"}, func(s *specs.Spec) {
			s.Root.Path = root
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/fakesys", Type: "tmpfs", Source: "tmpfs"})
		})
		before := snapshot(t)
		refused(t, e.oci(t, "run", "--bundle", b, "c1"), before)
	})
	// procfs itself stays allowed on /proc: a bind of the host's.
	t.Run("run-bundle-procfs-bind", func(t *testing.T) {
		e := newOCIEnv(t)
		b := e.bundle(t, "c1", []string{"sh", "-c", "echo RAN"}, func(s *specs.Spec) {
			s.Mounts[0] = specs.Mount{Destination: "/proc", Type: "proc", Source: "proc"}
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/proc/meminfo", Type: "bind", Source: "/proc/meminfo", Options: []string{"bind"}})
		})
		if r := e.oci(t, "run", "--bundle", b, "c1"); r.code != 0 || r.stdout != "RAN\n" {
			t.Errorf("procfs on /proc and an lxcfs-style /proc/meminfo bind: exit %d %q %q", r.code, r.stdout, r.stderr)
		}
	})
	// A container given CAP_SYS_ADMIN puts a fake cap_last_cap over its
	// /proc/sys/kernel; an `exec` into it must still drop the bounding set
	// to the container's. (The friendly run does not apply: a volume there
	// comes after /proc's mount, and the same kernel probe guards it.)
	t.Run("exec", func(t *testing.T) {
		e := newOCIEnv(t)
		runDetached(t, e, "c1", e.bundle(t, "c1", []string{"sh", "-c",
			"mount -t tmpfs t /proc/sys/kernel && echo 0 > /proc/sys/kernel/cap_last_cap && sleep 1000"}, func(s *specs.Spec) {
			c := s.Process.Capabilities
			c.Bounding = append(c.Bounding, "CAP_SYS_ADMIN")
			c.Effective = append(c.Effective, "CAP_SYS_ADMIN")
			c.Permitted = append(c.Permitted, "CAP_SYS_ADMIN")
			s.Linux.Seccomp = nil
		}))
		waitFor(t, "the fake cap_last_cap", func() bool {
			r := e.oci(t, "exec", "c1", "cat", "/proc/sys/kernel/cap_last_cap")
			return r.stdout == "0\n"
		})
		want := e.oci(t, "exec", "c1", "grep", "CapBnd", "/proc/1/status")
		got := e.oci(t, "exec", "c1", "grep", "CapBnd", "/proc/self/status")
		if want.code != 0 || got.code != 0 || got.stdout != want.stdout {
			t.Errorf("exec's bounding set %q, the container's %q (%s %s)", got.stdout, want.stdout, got.stderr, want.stderr)
		}
	})
}

// CVE-2023-27561 (CVE-2019-16884 again): the image's /proc is a symlink,
// to a directory of the image or a volume, so procfs (and with it every
// mask) would go elsewhere. procfs is never mounted through a symlink:
// the start is refused, naming the link. TestSymlinkEscapes covers /proc
// -> the host's /proc on the friendly path; this is the volume form.
//
// exec does not apply: it mounts no procfs.
func TestCVE2023_27561ProcSymlink(t *testing.T) {
	setup := func(t *testing.T) (string, string) {
		root := cveRootfs(t)
		if err := os.Remove(filepath.Join(root, "proc")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("/vol/fakeproc", filepath.Join(root, "proc")); err != nil {
			t.Fatal(err)
		}
		vol := t.TempDir()
		if err := os.Mkdir(filepath.Join(vol, "fakeproc"), 0o755); err != nil {
			t.Fatal(err)
		}
		return root, vol
	}
	check := func(t *testing.T, r result, vol string, before leftovers) {
		t.Helper()
		if r.code == 0 || strings.Contains(r.stdout, "RAN") {
			t.Errorf("exit %d, stdout %q: the command ran", r.code, r.stdout)
		}
		if !strings.Contains(r.stderr, "/proc") || !strings.Contains(r.stderr, "symlink") {
			t.Errorf("the error does not name /proc as a symlink: %q", r.stderr)
		}
		emptyDir(t, filepath.Join(vol, "fakeproc"))
		before.assertClean(t, "")
	}
	t.Run("run", func(t *testing.T) {
		root, vol := setup(t)
		before := snapshot(t)
		r := run(t, "run", "--rootfs", root, "-v", vol+":/vol", "--", "echo", "RAN")
		check(t, r, vol, before)
	})
	t.Run("run-bundle", func(t *testing.T) {
		root, vol := setup(t)
		e := newOCIEnv(t)
		b := e.bundle(t, "c1", []string{"echo", "RAN"}, func(s *specs.Spec) {
			s.Root.Path = root
			// The volume first, so the link's target exists when procfs's
			// turn comes.
			s.Mounts = append([]specs.Mount{{Destination: "/vol", Type: "bind", Source: vol, Options: []string{"rbind"}}}, s.Mounts...)
		})
		before := snapshot(t)
		check(t, e.oci(t, "run", "--bundle", b, "c1"), vol, before)
	})
}

// devDir is a host directory to bind over /dev: the null device (made
// with mknod unless null is planted otherwise) and whatever plant adds.
func devDir(t *testing.T, realNull bool) string {
	t.Helper()
	d := t.TempDir()
	if realNull {
		if err := unix.Mknod(filepath.Join(d, "null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// CVE-2025-31133: runc bound the container's /dev/null over each masked
// path; a container that had swapped /dev/null for a symlink (or any
// other file) got a file of its choice bound there instead, writable.
// /dev/null is opened with no symlink and must be the 1:3 device, or the
// start is refused. Each case plants /dev/null as a symlink to a file of
// the rootfs, or as a plain file; through a mask that file would show at
// /proc/kcore.
//
// exec does not apply: it masks and binds nothing, and never opens the
// container's /dev/null.
func TestCVE2025_31133DevNullReplaced(t *testing.T) {
	plants := map[string]func(t *testing.T, null string){
		"symlink": func(t *testing.T, null string) {
			if err := os.Symlink("/etc/secret", null); err != nil {
				t.Fatal(err)
			}
		},
		"regular-file": func(t *testing.T, null string) { writeFile(t, null, "SECRET\n") },
	}
	check := func(t *testing.T, r result, before leftovers) {
		t.Helper()
		if r.code == 0 || strings.Contains(r.stdout, "SECRET") || strings.Contains(r.stdout, "RAN") {
			t.Errorf("exit %d, stdout %q: the command ran with a fake /dev/null", r.code, r.stdout)
		}
		if !strings.Contains(r.stderr, "/dev/null") {
			t.Errorf("the error does not name /dev/null: %q", r.stderr)
		}
		before.assertClean(t, "")
	}
	for name, plant := range plants {
		t.Run("run-"+name, func(t *testing.T) {
			root, dev := cveRootfs(t), devDir(t, false)
			writeFile(t, filepath.Join(root, "etc/secret"), "SECRET\n")
			plant(t, filepath.Join(dev, "null"))
			before := snapshot(t)
			r := run(t, "run", "--rootfs", root, "-v", dev+":/dev", "--", "sh", "-c", "echo RAN; cat /proc/kcore")
			check(t, r, before)
		})
		// The bundle gives the rootfs's own /dev: no tmpfs over it.
		t.Run("run-bundle-"+name, func(t *testing.T) {
			root := cveRootfs(t)
			writeFile(t, filepath.Join(root, "etc/secret"), "SECRET\n")
			plant(t, filepath.Join(root, "dev/null"))
			e := newOCIEnv(t)
			b := e.bundle(t, "c1", []string{"sh", "-c", "echo RAN; cat /proc/kcore"}, func(s *specs.Spec) {
				s.Root.Path = root
				var ms []specs.Mount
				for _, m := range s.Mounts {
					if m.Destination != "/dev" {
						ms = append(ms, m)
					}
				}
				s.Mounts = ms
			})
			before := snapshot(t)
			check(t, e.oci(t, "run", "--bundle", b, "c1"), before)
		})
	}
}

// CVE-2025-52565: runc bound the pty onto /dev/console by path; a
// /dev/console swapped for a symlink took that bind (and the masks'
// protection with it) elsewhere. With a terminal, the container's
// /dev/console is its pty, as under runc: the slave (taken with
// TIOCGPTPEER, never by a name) is bound onto a /dev/console opened
// under /dev with no symlink followed and checked to be a file or a
// character device. A planted symlink refuses the start, and what it
// points to comes out untouched.
func TestCVE2025_52565DevConsoleSwapped(t *testing.T) {
	// The bundle's /dev is a host dir (in place of the tmpfs, before
	// /dev/pts) whose console is a symlink to a file of the rootfs.
	setup := func(t *testing.T) (root, dev string) {
		root, dev = cveRootfs(t), devDir(t, true)
		writeFile(t, filepath.Join(root, "etc/target"), "ORIGINAL\n")
		if err := os.Symlink("/etc/target", filepath.Join(dev, "console")); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("pts/ptmx", filepath.Join(dev, "ptmx")); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(filepath.Join(dev, "pts"), 0o755); err != nil {
			t.Fatal(err)
		}
		return
	}
	devFrom := func(dev string) func(s *specs.Spec) {
		return func(s *specs.Spec) {
			for i, m := range s.Mounts {
				if m.Destination == "/dev" {
					s.Mounts[i] = specs.Mount{Destination: "/dev", Type: "bind", Source: dev, Options: []string{"rbind"}}
				}
			}
		}
	}
	untouched := func(t *testing.T, root, dev string) {
		t.Helper()
		if got := readFile(t, filepath.Join(root, "etc/target")); got != "ORIGINAL\n" {
			t.Errorf("the console link's target was written: %q", got)
		}
		if l, err := os.Readlink(filepath.Join(dev, "console")); err != nil || l != "/etc/target" {
			t.Errorf("/dev/console was replaced: %q %v", l, err)
		}
	}
	// /dev/console and the pty are one device, and a mount of its own.
	console := `echo mounts=$(grep -c " /dev/console " /proc/self/mountinfo) console=$(stat -c %t:%T /dev/console) tty=$(stat -L -c %t:%T $(tty))`
	isPTY := func(t *testing.T, out string) {
		t.Helper()
		f := strings.Fields(out)
		if len(f) < 3 || f[0] != "mounts=1" || !strings.HasPrefix(f[1], "console=88:") || strings.TrimPrefix(f[1], "console=") != strings.TrimPrefix(f[2], "tty=") {
			t.Errorf("want /dev/console to be the pty (136:N), bound once; got %q", out)
		}
	}
	// The friendly /dev is the runtime's tmpfs; a volume at /dev/console
	// (a host file) gets the pty bound over it, and stays unwritten.
	t.Run("run", func(t *testing.T) {
		host := filepath.Join(t.TempDir(), "console")
		writeFile(t, host, "ORIGINAL\n")
		before := snapshot(t)
		r := run(t, "run", "--rootfs", cveRootfs(t), "--tty", "-v", host+":/dev/console", "--", "sh", "-c",
			`echo hello > /dev/console; echo mounts=$(grep -c " /dev/console " /proc/self/mountinfo) tty=$(tty)`)
		if r.code != 0 || !strings.Contains(r.stdout, "mounts=2 tty=/dev/pts/0") || !strings.Contains(r.stdout, "hello") {
			t.Errorf("exit %d, %q, %q: want the pty over the volume on /dev/console", r.code, r.stdout, r.stderr)
		}
		if got := readFile(t, host); got != "ORIGINAL\n" {
			t.Errorf("the host file bound at /dev/console was written: %q", got)
		}
		before.assertClean(t, "")
	})
	t.Run("run-bundle", func(t *testing.T) {
		e := newOCIEnv(t)
		sock, ch := consoleSocket(t)
		b := e.bundle(t, "c1", []string{"sh", "-c", console + "; echo END"}, func(s *specs.Spec) {
			s.Root.Path = cveRootfs(t)
			s.Process.Terminal = true
		})
		if r := e.oci(t, "run", "--detach", "--console-socket", sock, "--bundle", b, "c1"); r.code != 0 {
			t.Fatalf("run -d: exit %d: %s", r.code, r.stderr)
		}
		defer e.oci(t, "delete", "--force", "c1")
		master := <-ch
		if master == nil {
			t.Fatal("no pty master on the console socket")
		}
		defer master.Close()
		isPTY(t, readUntil(t, master, "END"))
	})
	t.Run("run-bundle-symlink", func(t *testing.T) {
		root, dev := setup(t)
		e := newOCIEnv(t)
		sock, _ := consoleSocket(t)
		b := e.bundle(t, "c1", []string{"sh", "-c", "echo RAN"}, func(s *specs.Spec) {
			s.Root.Path = root
			s.Process.Terminal = true
			devFrom(dev)(s)
		})
		before := snapshot(t)
		r := e.oci(t, "run", "--detach", "--console-socket", sock, "--bundle", b, "c1")
		if r.code == 0 || !strings.Contains(r.stderr, "/dev/console is a symlink") {
			t.Errorf("run -d with /dev/console a symlink: exit %d %q; want refused, naming it", r.code, r.stderr)
		}
		untouched(t, root, dev)
		before.assertClean(t, "")
	})
	// exec makes no console: the container's /dev/console stays as it is.
	t.Run("exec", func(t *testing.T) {
		root, dev := setup(t)
		e := newOCIEnv(t)
		runDetached(t, e, "c1", e.bundle(t, "c1", []string{"sleep", "1000"}, func(s *specs.Spec) {
			s.Root.Path = root
			devFrom(dev)(s)
		}))
		r := e.oci(t, "exec", "--tty", "c1", "sh", "-c", `echo mounts=$(grep -c " /dev/console " /proc/self/mountinfo) link=$(readlink /dev/console) $(cat /etc/target)`)
		if r.code != 0 || !strings.Contains(r.stdout, "mounts=0 link=/etc/target ORIGINAL") {
			t.Errorf("exec -t: exit %d %q %q; want no mount on /dev/console and the link kept", r.code, r.stdout, r.stderr)
		}
		untouched(t, root, dev)
	})
}

// CVE-2025-52881: runc's writes to procfs files (its AppArmor label,
// sysctls) went by path, and mounts raced in over those paths redirected
// them to another file: /proc/sysrq-trigger, or a host file. Here a
// bundle mounts over the very files the runtime writes, before it writes
// them: sysctls go through a /proc/sys verified to be procfs and are
// opened with no mount crossed; oom_score_adj likewise through /proc. The
// start is refused and the host file keeps its content.
//
// Since only procfs may be mounted on /proc (CVE-2019-16884's guard), the
// plan refuses these mounts by destination before anything starts; init's
// own checks (not procfs, no mount crossed) stay behind it as a second
// line, tested on fake trees in init/sysctl_test.go and init/oom_test.go.
//
// The friendly run does not apply: it writes no sysctl and no
// oom_score_adj. exec writes oom_score_adj under /proc/self, its own new
// PID, which no mount of the config can name in advance; the same
// openProcSelf guards it.
func TestCVE2025_52881ProcWriteRedirected(t *testing.T) {
	cases := []struct {
		name  string
		edit  func(s *specs.Spec, host string)
		error string
	}{
		{"sysctl-proc-sys-tmpfs", func(s *specs.Spec, host string) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/proc/sys", Type: "tmpfs", Source: "tmpfs"})
			s.Linux.Sysctl = map[string]string{"kernel.shmmax": "4242"}
		}, "/proc/sys: nothing may be mounted below /proc"},
		{"sysctl-file-bound-over", func(s *specs.Spec, host string) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/proc/sys/kernel/shmmax", Type: "bind", Source: host, Options: []string{"bind"}})
			s.Linux.Sysctl = map[string]string{"kernel.shmmax": "4242"}
		}, "shmmax"},
		{"oom-score-adj-bound-over", func(s *specs.Spec, host string) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/proc/self/oom_score_adj", Type: "bind", Source: host, Options: []string{"bind"}})
			v := 500
			s.Process.OOMScoreAdj = &v
		}, "oom_score_adj"},
	}
	for _, c := range cases {
		t.Run("run-bundle-"+c.name, func(t *testing.T) {
			host := filepath.Join(t.TempDir(), "host-file")
			writeFile(t, host, "HOST\n")
			e := newOCIEnv(t)
			b := e.bundle(t, "c1", []string{"echo", "RAN"}, func(s *specs.Spec) { c.edit(s, host) })
			before := snapshot(t)
			r := e.oci(t, "run", "--bundle", b, "c1")
			if r.code == 0 || strings.Contains(r.stdout, "RAN") {
				t.Errorf("exit %d, stdout %q: the start went ahead", r.code, r.stdout)
			}
			if !strings.Contains(r.stderr, c.error) {
				t.Errorf("the error does not say %q: %q", c.error, r.stderr)
			}
			if got := readFile(t, host); got != "HOST\n" {
				t.Errorf("the runtime's write landed in the host file: %q", got)
			}
			before.assertClean(t, "")
		})
	}
}
