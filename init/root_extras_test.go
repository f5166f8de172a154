package containerinit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

const rootEnv = "MYC_INIT_TEST_ROOT"

// childRoot turns the parent's temp dir into a fake container root inside
// the child's mount namespace: a tmpfs (so device nodes work) with /dev/null
// and, if withProc, the child's own procfs on /proc. It returns an O_PATH
// fd of it and its path.
func childRoot(withProc bool) (int, string, error) {
	dir := os.Getenv(rootEnv)
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, "mode=755"); err != nil {
		return -1, "", fmt.Errorf("mount tmpfs on the fake root: %w", err)
	}
	for _, d := range []string{"dev", "proc"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			return -1, "", err
		}
	}
	if err := unix.Mknod(filepath.Join(dir, "dev/null"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		return -1, "", err
	}
	if withProc {
		if err := unix.Mount("proc", filepath.Join(dir, "proc"), "proc", 0, ""); err != nil {
			return -1, "", err
		}
	}
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	return fd, dir, err
}

func rootChild(t *testing.T, name string) string {
	return runChild(t, name, childOpts{clone: unix.CLONE_NEWIPC, env: []string{rootEnv + "=" + t.TempDir()}})
}

// checks collects every failed expectation of a helper.
type checks []string

func (c *checks) expect(ok bool, format string, a ...any) {
	if !ok {
		*c = append(*c, fmt.Sprintf(format, a...))
	}
}

func (c checks) err() error {
	if len(c) == 0 {
		return nil
	}
	return errors.New(strings.Join(c, "\n"))
}

// readSmall reads at most 64 bytes: a wrongly bound /dev/zero never ends.
func readSmall(p string) string {
	f, err := os.Open(p)
	if err != nil {
		return "<" + err.Error() + ">"
	}
	defer f.Close()
	b := make([]byte, 64)
	n, _ := f.Read(b)
	return string(b[:n])
}

func writeErr(p string) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE, 0o644)
	if err == nil {
		f.Close()
	}
	return err
}

// The whole applyRootExtras, in its order: devices and sysctls land before
// /proc/sys and the root become read-only.
var _ = helper("root-all", func() error {
	root, dir, err := childRoot(true)
	if err != nil {
		return err
	}
	at := func(p string) string { return filepath.Join(dir, p) }
	for p, s := range map[string]string{"etc/secret": "secret", "data/dir/f": "x", "ro/f": "x"} {
		os.MkdirAll(filepath.Dir(at(p)), 0o755)
		if err := os.WriteFile(at(p), []byte(s), 0o644); err != nil {
			return err
		}
	}
	os.Mkdir(at("tmp"), 0o1777)
	if err := unix.Mount("tmpfs", at("tmp"), "tmpfs", 0, ""); err != nil {
		return err
	}
	x := &Extras{
		Devices: []Device{
			{Path: "/dev/fuse", Type: "c", Major: 10, Minor: 229, Mode: 0o620, UID: 1000, GID: 5},
			{Path: "/dev/sub/fifo", Type: "p", Mode: 0o600},
			{Path: "/dev/null", Type: "c", Major: 1, Minor: 3, Mode: 0o666},
		},
		Sysctl:        []Sysctl{{Key: "kernel.shmmax", Value: "12345678"}},
		ReadonlyPaths: []string{"/ro", "/proc/sys", "/missing/ro"},
		MaskedPaths:   []string{"/etc/secret", "/data/dir", "/missing/file"},
		ReadonlyRoot:  true,
	}
	if err := applyRootExtras(root, x); err != nil {
		return err
	}
	var c checks
	b := readSmall(at("etc/secret"))
	c.expect(b == "", "masked file reads %q; want empty", b)
	ents, err := os.ReadDir(at("data/dir"))
	c.expect(err == nil && len(ents) == 0, "masked dir lists %v, %v; want empty", ents, err)
	c.expect(errors.Is(writeErr(at("data/dir/new")), unix.EROFS), "masked dir is writable")
	c.expect(errors.Is(writeErr(at("ro/f")), unix.EROFS), "readonly path is writable")
	c.expect(errors.Is(writeErr(at("new")), unix.EROFS), "the root is writable")
	c.expect(writeErr(at("tmp/new")) == nil, "a mount under the read-only root became read-only")
	c.expect(writeErr(at("proc/sys/kernel/shmmax")) != nil, "/proc/sys is writable")
	b = readSmall(at("proc/sys/kernel/shmmax"))
	c.expect(strings.TrimSpace(b) == "12345678", "kernel.shmmax = %q", b)
	for p, want := range map[string][5]uint32{
		"dev/fuse":     {unix.S_IFCHR, 0o620, 1000, 5, uint32(unix.Mkdev(10, 229))},
		"dev/sub/fifo": {unix.S_IFIFO, 0o600, 0, 0, 0},
		"dev/null":     {unix.S_IFCHR, 0o666, 0, 0, uint32(unix.Mkdev(1, 3))},
	} {
		var st unix.Stat_t
		err := unix.Lstat(at(p), &st)
		got := [5]uint32{st.Mode & unix.S_IFMT, st.Mode & 0o7777, st.Uid, st.Gid, uint32(st.Rdev)}
		c.expect(err == nil && got == want, "%s: type/mode/uid/gid/rdev %o, %v; want %o", p, got, err, want)
	}
	return c.err()
})

func TestRootExtrasApplied(t *testing.T) { rootChild(t, "root-all") }

// CVE-2025-31133: /dev/null swapped for a symlink (or any other file) must
// not be bound over a masked path.
var _ = helper("devnull-swapped", func() error {
	var c checks
	for name, swap := range map[string]func(string) error{
		"symlink":      func(p string) error { return os.Symlink("/etc/target", p) },
		"regular file": func(p string) error { return os.WriteFile(p, nil, 0o666) },
		"/dev/zero":    func(p string) error { return unix.Mknod(p, unix.S_IFCHR|0o666, int(unix.Mkdev(1, 5))) },
	} {
		root, dir, err := childRoot(false)
		if err != nil {
			return err
		}
		os.Mkdir(filepath.Join(dir, "etc"), 0o755)
		os.WriteFile(filepath.Join(dir, "etc/target"), []byte("target"), 0o644)
		os.WriteFile(filepath.Join(dir, "etc/secret"), []byte("secret"), 0o644)
		os.Remove(filepath.Join(dir, "dev/null"))
		if err := swap(filepath.Join(dir, "dev/null")); err != nil {
			return err
		}
		err = applyRootExtras(root, &Extras{MaskedPaths: []string{"/etc/secret"}})
		c.expect(err != nil && strings.Contains(err.Error(), "/dev/null"), "%s: error %v", name, err)
		b := readSmall(filepath.Join(dir, "etc/secret"))
		c.expect(b == "secret", "%s: masked file now reads %q", name, b)
		unix.Close(root)
		unix.Unmount(dir, unix.MNT_DETACH)
	}
	return c.err()
})

func TestMaskRefusesSwappedDevNull(t *testing.T) { rootChild(t, "devnull-swapped") }
