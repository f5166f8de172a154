package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Issue 10 point 11: mounts as config.md describes them and runc and
// crun carry them out.

// A config that lists /dev/ptmx (runc's and crun's defaults do) names the
// device the default /dev already gives; a read-only /dev tmpfs still
// gets its nodes (made first, then the mount is read-only).
func TestSpecDevPtmxAndReadonlyDev(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "devro", []string{"sh", "-c", "test -c /dev/null && test -e /dev/ptmx && ! touch /dev/new 2>/dev/null && echo OK"}, func(s *specs.Spec) {
		s.Linux.Devices = append(s.Linux.Devices, specs.LinuxDevice{Path: "/dev/ptmx", Type: "c", Major: 5, Minor: 2})
		for i := range s.Mounts {
			if s.Mounts[i].Destination == "/dev" {
				s.Mounts[i].Options = append(s.Mounts[i].Options, "ro")
			}
		}
	})
	if r := e.oci(t, "run", "--bundle", b, "devro"); r.code != 0 || !strings.Contains(r.stdout, "OK") {
		t.Errorf("/dev/ptmx listed and /dev read-only: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
}

// "rbind" with "ro" makes the top mount read-only and leaves the
// submounts as they are (mount(8)); "rro" makes every one read-only
// (mount_setattr with AT_RECURSIVE). The host's submount is made in a
// throwaway mount namespace, so the host never sees it.
func TestSpecRbindReadonlyTopOnlyAndRro(t *testing.T) {
	e := newOCIEnv(t)
	src := t.TempDir()
	if err := os.Mkdir(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := "touch /mnt/top 2>/dev/null && echo TOP-WRITABLE; touch /mnt/sub/x 2>/dev/null && echo SUB-WRITABLE; true"
	for _, c := range []struct {
		opt, want string
	}{{"ro", "SUB-WRITABLE"}, {"rro", ""}} {
		id := "bind-" + c.opt
		b := e.bundle(t, id, []string{"sh", "-c", script}, func(s *specs.Spec) {
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/mnt", Type: "bind", Source: src, Options: []string{"rbind", c.opt}})
		})
		cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
			`mount -t tmpfs sub "$1/sub" && exec "$2" --root "$3" run --bundle "$4" "$5"`, "sh", src, binary, e.root, b, id)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("%s: %v: %s", c.opt, err, out)
			continue
		}
		if got := strings.TrimSpace(string(out)); got != c.want {
			t.Errorf("rbind,%s: %q, want %q (top read-only; submount %s)", c.opt, got, c.want, map[string]string{"ro": "untouched", "rro": "read-only too"}[c.opt])
		}
	}
}

// A destination under a symlink inside the rootfs (/conf -> /real/conf)
// is resolved inside the rootfs and mounted there, as runc does.
func TestSpecMountDestinationUnderSymlinkInRoot(t *testing.T) {
	e := newOCIEnv(t)
	root := minimalRootfs(t)
	for _, d := range []string{"proc", "dev", "sys", "tmp", "real/conf"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("/real/conf", filepath.Join(root, "conf")); err != nil {
		t.Fatal(err)
	}
	b := e.bundle(t, "sym", []string{"cat", "/proc/self/mountinfo"}, func(s *specs.Spec) {
		s.Root.Path = root
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/conf/x", Type: "tmpfs", Source: "tmpfs"})
	})
	r := e.oci(t, "run", "--bundle", b, "sym")
	if r.code != 0 || !strings.Contains(r.stdout, " /real/conf/x ") {
		t.Errorf("tmpfs on /conf/x through /conf -> /real/conf: exit %d %q", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(root, "real/conf/x")); err != nil {
		t.Errorf("the mount point was not made inside the rootfs: %v", err)
	}
}

// config-linux.md, rootfsPropagation: the container's "/" gets the
// propagation asked for (in its own namespace; nothing reaches the
// host): runbindable shows as "unbindable" in its mountinfo line,
// rprivate drops the "master:" link the default rslave has.
func TestSpecRootfsPropagationApplied(t *testing.T) {
	e := newOCIEnv(t)
	for _, c := range []struct{ prop, want, not string }{
		{"runbindable", "unbindable", "master:"},
		{"rprivate", "", "master:"},
	} {
		id := "prop-" + c.prop
		b := e.bundle(t, id, []string{"awk", "$5 == \"/\"", "/proc/self/mountinfo"}, func(s *specs.Spec) {
			s.Linux.RootfsPropagation = c.prop
		})
		r := e.oci(t, "run", "--bundle", b, id)
		if r.code != 0 || r.stdout == "" || !strings.Contains(r.stdout, c.want) || strings.Contains(r.stdout, c.not) {
			t.Errorf("rootfsPropagation %s: exit %d, / is %q %q; want %q and no %q", c.prop, r.code, r.stdout, r.stderr, c.want, c.not)
		}
	}
}

// config.md, mount options: the recursive attributes include the clearing
// forms and the atime modes ("rrw", "rnoatime", ...), applied to the
// mount and every submount. The host's read-only submount becomes writable
// in the container with "rrw" (the host's mount stays read-only: the bind
// is a copy), and every mount of the tree gets noatime; on a new tmpfs
// "rnoatime" is the mount's own mode. The submount is made in a throwaway
// mount namespace, so the host never sees it.
func TestSpecRecursiveClearAndAtime(t *testing.T) {
	e := newOCIEnv(t)
	src := t.TempDir()
	if err := os.Mkdir(filepath.Join(src, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	script := `touch /mnt/sub/x && echo SUB-WRITABLE; awk '$5 == "/mnt" || $5 == "/mnt/sub" || $5 == "/t" || $5 == "/b" { print $5, $6 }' /proc/self/mountinfo | sort`
	b := e.bundle(t, "rrw", []string{"sh", "-c", script}, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts,
			specs.Mount{Destination: "/mnt", Type: "bind", Source: src, Options: []string{"rbind", "rrw", "rnoatime"}},
			// Not recursive, on a bind: an atime mode replaces the
			// mount's (it failed with EINVAL).
			specs.Mount{Destination: "/b", Type: "bind", Source: src, Options: []string{"bind", "strictatime"}},
			specs.Mount{Destination: "/t", Type: "tmpfs", Source: "tmpfs", Options: []string{"rstrictatime", "rnoatime"}})
	})
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
		// The mount read-only, its tmpfs writable: "rrw" can clear
		// only the mount's flag.
		`mount -t tmpfs sub "$1/sub" && mount -o remount,bind,ro "$1/sub" && "$2" --root "$3" run --bundle "$4" rrw; grep -c " $1/sub ro," /proc/self/mountinfo`,
		"sh", src, binary, e.root, b)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 6 || lines[0] != "SUB-WRITABLE" || lines[5] != "1" {
		t.Fatalf("got %q: want the submount writable inside and still read-only outside, then four mounts", out)
	}
	if lines[1] != "/b rw" { // strictatime shows as no atime word
		t.Errorf("bind with strictatime: %q, want \"/b rw\"", lines[1])
	}
	for _, l := range lines[2:5] {
		if !strings.Contains(l, "noatime") || strings.Contains(l, " ro") {
			t.Errorf("mount %q: want rw and noatime", l)
		}
	}
}

// config-linux.md, rootfsPropagation, and config.md's "shared"/"rshared"
// mount options: a bind asking for shared propagation stays a peer of the
// host's mount, so a mount the container makes inside it appears on the
// host's side (what the user asked for, as under runc and crun), and
// rootfsPropagation "shared" makes the container's "/" shared. The
// "host" here is a throwaway mount namespace with a shared bind of its
// own: the real host never gets a shared mount or the container's.
func TestSpecSharedPropagation(t *testing.T) {
	for _, hooks := range []bool{false, true} {
		t.Run(map[bool]string{false: "init", true: "mount-helper"}[hooks], func(t *testing.T) { sharedPropagation(t, hooks) })
	}
}

// sharedPropagation: with hooks, the mount helper makes the mounts, and
// opens the shared bind before it joins init's namespaces (nsexec.c).
func sharedPropagation(t *testing.T, hooks bool) {
	e := newOCIEnv(t)
	src := t.TempDir()
	if err := os.Mkdir(filepath.Join(src, "in"), 0o755); err != nil {
		t.Fatal(err)
	}
	b := e.bundle(t, "shared", []string{"sh", "-c", `mount -t tmpfs fromcontainer /data/in && awk '$5 == "/" { print "ROOT", $7 }' /proc/self/mountinfo`},
		func(s *specs.Spec) {
			s.Linux.RootfsPropagation = "shared"
			if hooks {
				s.Hooks = &specs.Hooks{CreateContainer: []specs.Hook{{Path: "/bin/true"}}}
			}
			c := s.Process.Capabilities
			c.Bounding, c.Effective, c.Permitted = append(c.Bounding, "CAP_SYS_ADMIN"), append(c.Effective, "CAP_SYS_ADMIN"), append(c.Permitted, "CAP_SYS_ADMIN")
			s.Mounts = append(s.Mounts, specs.Mount{Destination: "/data", Type: "bind", Source: src, Options: []string{"rbind", "rshared"}})
		})
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount --bind "$1" "$1" && mount --make-shared "$1" && "$2" --root "$3" run --bundle "$4" shared && grep " $1/in " /proc/self/mountinfo`,
		"sh", src, binary, e.root, b)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ROOT shared:") || !strings.Contains(lines[1], "fromcontainer") {
		t.Errorf("got %q: want the container's / shared, then the container's tmpfs on the host's peer", out)
	}
	for _, l := range mountinfo(t) {
		if strings.Contains(l, src) {
			t.Errorf("the test's mounts reached the real host: %s", l)
		}
	}
}

// A bind with plain "relatime" gets that atime mode, whatever its
// source's (relatime is atime mode 0: it used to do nothing, and the
// bind kept the source's noatime). The source here is a noatime tmpfs of
// a throwaway mount namespace.
func TestSpecBindRelatime(t *testing.T) {
	e := newOCIEnv(t)
	src := t.TempDir()
	b := e.bundle(t, "relatime", []string{"sh", "-c", `awk '$5 == "/r" { print $6 }' /proc/self/mountinfo`}, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/r", Type: "bind", Source: src, Options: []string{"bind", "relatime"}})
	})
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount -t tmpfs -o noatime relatimesrc "$1" && "$2" --root "$3" run --bundle "$4" relatime`, "sh", src, binary, e.root, b)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "rw,relatime" {
		t.Errorf("the bind's options are %q, want rw,relatime", got)
	}
	for _, l := range mountinfo(t) {
		if strings.Contains(l, "relatimesrc") {
			t.Errorf("the test's mount reached the real host: %s", l)
		}
	}
}
