package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// hostileRoot is a rootfs whose symlinks all point out of it. On the host
// each would reach dir/outside/secret ("host"); inside the root they must
// reach the copies made there ("root").
func hostileRoot(t *testing.T) (dir string, root int, rootPath string) {
	dir, root, rootPath = testRoot(t)
	outside := filepath.Join(dir, "outside")
	writeFile(t, outside, "secret", "host", 0o644)
	writeFile(t, rootPath, "etc/passwd", "root:x:0:0::/root:/bin/sh\n", 0o644)
	writeFile(t, rootPath, "outside/secret", "root", 0o644)
	writeFile(t, rootPath, filepath.Join(outside, "secret"), "root", 0o644)
	symlink(t, rootPath, "abs", filepath.Join(outside, "secret"))
	symlink(t, rootPath, "absdir", outside)
	symlink(t, rootPath, "up", "../outside/secret")
	symlink(t, rootPath, "farup", "../../../../../../../../../../../outside/secret")
	symlink(t, rootPath, "sub/dir/up", "../../../outside")
	// A chain: relative, then absolute, then "..", then out by absolute path.
	symlink(t, rootPath, "c1", "c2/secret")
	symlink(t, rootPath, "c2", "/c3")
	symlink(t, rootPath, "c3", "../../c4")
	symlink(t, rootPath, "c4", outside)
	symlink(t, rootPath, "etclink", "etc")
	symlink(t, rootPath, "loop1", "loop2")
	symlink(t, rootPath, "loop2", "/loop1")
	return dir, root, rootPath
}

func TestOpenInRootStaysInRoot(t *testing.T) {
	_, root, _ := hostileRoot(t)
	for _, p := range []string{
		"abs", "/abs", "absdir/secret", "up", "farup", "sub/dir/up/secret", "c1",
		"../../../outside/secret", "/../../outside/secret", "c2/../../outside/secret",
	} {
		fd, err := OpenInRoot(root, p, unix.O_PATH, false)
		if err != nil {
			t.Errorf("OpenInRoot(%q): %v", p, err)
			continue
		}
		if got := readFD(t, fd); got != "root" {
			t.Errorf("OpenInRoot(%q) opened the file holding %q, want the root's copy", p, got)
		}
		unix.Close(fd)
	}
}

func TestOpenInRootErrors(t *testing.T) {
	_, root, _ := hostileRoot(t)
	for _, tc := range []struct {
		p        string
		noFollow bool
		want     error
	}{
		{"missing", false, unix.ENOENT},
		{"etc/passwd/x", false, unix.ENOTDIR},
		{"loop1", false, unix.ELOOP},
		// noFollow refuses every symlink, wherever it is in the path.
		{"abs", true, unix.ELOOP},
		{"up", true, unix.ELOOP},
		{"c1", true, unix.ELOOP},
		{"etclink/passwd", true, unix.ELOOP},
		{"sub/dir/up/secret", true, unix.ELOOP},
	} {
		fd, err := OpenInRoot(root, tc.p, unix.O_PATH, tc.noFollow)
		if err != tc.want {
			t.Errorf("OpenInRoot(%q, noFollow %v) = %d, %v; want %v", tc.p, tc.noFollow, fd, err, tc.want)
		}
		if err == nil {
			unix.Close(fd)
		}
	}
	// noFollow still opens a path without symlinks.
	fd, err := OpenInRoot(root, "/etc/passwd", unix.O_RDONLY, true)
	if err != nil {
		t.Fatalf("OpenInRoot(/etc/passwd, noFollow): %v", err)
	}
	unix.Close(fd)
}

// /proc/self/root and friends are magic links: they jump without a path,
// so they must be refused even inside a root.
func TestOpenInRootRefusesMagicLinks(t *testing.T) {
	proc, err := unix.Open("/proc", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		t.Skip("no /proc:", err)
	}
	defer unix.Close(proc)
	for _, p := range []string{"self/root", "self/cwd", "self/exe", "thread-self/root/etc"} {
		fd, err := OpenInRoot(proc, p, unix.O_PATH, false)
		if err != unix.ELOOP {
			t.Errorf("OpenInRoot(/proc, %q) = %d, %v; want ELOOP", p, fd, err)
		}
		if err == nil {
			unix.Close(fd)
		}
	}
}

func TestMkdirAllInRoot(t *testing.T) {
	dir, root, rootPath := hostileRoot(t)
	outside := filepath.Join(dir, "outside")
	symlink(t, rootPath, "dangle/abs", filepath.Join(outside, "newdir"))
	symlink(t, rootPath, "dangle/rel", "../../escaped")
	symlink(t, rootPath, "dangle/chain", "chain2")
	symlink(t, rootPath, "dangle/chain2", "/chain3/deep")
	symlink(t, rootPath, "dangle/inner", "/dangle/abs")
	before := listTree(t, outside)

	for _, tc := range []struct{ p, want string }{
		{"a/b/c", "a/b/c"},
		{"/etc/", "etc"},
		{"../../x/../y", "y"},
		{"etclink/new", "etc/new"},
		// Dangling symlinks: their targets are created inside the root.
		{"dangle/abs", filepath.Join(outside, "newdir")},
		{"dangle/rel/sub", "escaped/sub"},
		{"dangle/chain", "chain3/deep"},
		{"dangle/inner/x", filepath.Join(outside, "newdir", "x")},
		// An existing symlink out of the root leads to the root's copy.
		{"absdir/made", filepath.Join(outside, "made")},
		{"sub/dir/up/made2", "outside/made2"},
	} {
		fd, err := MkdirAllInRoot(root, tc.p, 0o755, false)
		if err != nil {
			t.Errorf("MkdirAllInRoot(%q): %v", tc.p, err)
			continue
		}
		want := filepath.Join(rootPath, tc.want)
		if fi, err := os.Lstat(want); err != nil || !fi.IsDir() {
			t.Errorf("MkdirAllInRoot(%q) did not make the directory %s: %v", tc.p, want, err)
		} else if !sameFile(t, fd, want) {
			t.Errorf("MkdirAllInRoot(%q) returned an fd that is not %s", tc.p, want)
		}
		unix.Close(fd)
		// Afterwards the path itself resolves to what was made.
		if fd, err := OpenInRoot(root, tc.p, unix.O_PATH|unix.O_DIRECTORY, false); err != nil || !sameFile(t, fd, want) {
			t.Errorf("after MkdirAllInRoot, OpenInRoot(%q) = %v, not %s", tc.p, err, want)
		} else {
			unix.Close(fd)
		}
	}
	if after := listTree(t, outside); !reflect.DeepEqual(after, before) {
		t.Errorf("the host directory outside the root changed: %q, was %q", after, before)
	}
	if _, err := os.Lstat(filepath.Join(dir, "escaped")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a relative dangling symlink created %s outside the root: %v", filepath.Join(dir, "escaped"), err)
	}
}

func TestMkdirAllInRootErrors(t *testing.T) {
	dir, root, rootPath := hostileRoot(t)
	outside := filepath.Join(dir, "outside")
	symlink(t, rootPath, "dangle", filepath.Join(outside, "newdir"))
	before := listTree(t, dir)
	for _, tc := range []struct {
		p        string
		noFollow bool
		want     error
	}{
		{"etc/passwd", false, unix.ENOTDIR},
		{"etc/passwd/x", false, unix.ENOTDIR},
		{"abs", false, unix.ENOTDIR}, // a symlink to a file
		{"loop1/x", false, unix.ELOOP},
		{"absdir", true, unix.ELOOP},
		{"etclink/x", true, unix.ELOOP},
		// With noFollow, a dangling symlink is refused, not followed.
		{"dangle", true, unix.ELOOP},
		{"dangle/x", true, unix.ELOOP},
	} {
		fd, err := MkdirAllInRoot(root, tc.p, 0o755, tc.noFollow)
		if err != tc.want {
			t.Errorf("MkdirAllInRoot(%q, noFollow %v) = %d, %v; want %v", tc.p, tc.noFollow, fd, err, tc.want)
		}
		if err == nil {
			unix.Close(fd)
		}
	}
	if after := listTree(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("failed MkdirAllInRoot calls changed the tree: %q, was %q", after, before)
	}
}

// A relative dangling symlink is relative to the directory it is in. When
// that directory was reached through a symlink, ".." in the link must go up
// from the real directory, as the kernel does, not from the path's text.
func TestMkdirAllInRootDanglingRelativeBehindSymlink(t *testing.T) {
	_, root, rootPath := testRoot(t)
	if err := os.MkdirAll(filepath.Join(rootPath, "p/q"), 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, rootPath, "a/b", "/p/q")
	symlink(t, rootPath, "p/q/l", "../t") // a/b/l -> /p/q/../t = /p/t
	fd, err := MkdirAllInRoot(root, "a/b/l", 0o755, false)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	want := filepath.Join(rootPath, "p/t")
	if !sameFile(t, fd, want) {
		t.Errorf("MkdirAllInRoot(a/b/l) returned a directory that is not %s (what a/b/l resolves to)", want)
	}
	if _, err := os.Lstat(filepath.Join(rootPath, "a/t")); err == nil {
		t.Errorf("MkdirAllInRoot(a/b/l) made /a/t, where nothing points")
	}
}

func TestCreateFileInRoot(t *testing.T) {
	dir, root, rootPath := hostileRoot(t)
	outside := filepath.Join(dir, "outside")
	writeFile(t, rootPath, "etc/hosts", "127.0.0.1 localhost\n", 0o644)
	symlink(t, rootPath, "hostslink", "/etc/hosts")
	symlink(t, rootPath, "vol", filepath.Join(outside, "newdir"))
	before := listTree(t, outside)

	for _, tc := range []struct{ p, want string }{
		{"run/x/hostname", "run/x/hostname"},
		{"/etc/hosts", "etc/hosts"},
		{"hostslink", "etc/hosts"},
		{"abs", filepath.Join(outside, "secret")}, // the root's copy
		{"vol/file", filepath.Join(outside, "newdir", "file")},
		{"etclink/resolv.conf", "etc/resolv.conf"},
	} {
		fd, err := CreateFileInRoot(root, tc.p, false)
		if err != nil {
			t.Errorf("CreateFileInRoot(%q): %v", tc.p, err)
			continue
		}
		want := filepath.Join(rootPath, tc.want)
		if fi, err := os.Lstat(want); err != nil || !fi.Mode().IsRegular() {
			t.Errorf("CreateFileInRoot(%q) did not make the file %s: %v", tc.p, want, err)
		} else if !sameFile(t, fd, want) {
			t.Errorf("CreateFileInRoot(%q) returned an fd that is not %s", tc.p, want)
		}
		unix.Close(fd)
	}
	// An existing file is used as it is, not truncated.
	if b, err := os.ReadFile(filepath.Join(rootPath, "etc/hosts")); err != nil || string(b) != "127.0.0.1 localhost\n" {
		t.Errorf("etc/hosts now holds %q, %v", b, err)
	}
	if after := listTree(t, outside); !reflect.DeepEqual(after, before) {
		t.Errorf("the host directory outside the root changed: %q, was %q", after, before)
	}
	if b, _ := os.ReadFile(filepath.Join(outside, "secret")); string(b) != "host" {
		t.Errorf("the host file now holds %q", b)
	}
}

func TestCreateFileInRootErrors(t *testing.T) {
	dir, root, rootPath := hostileRoot(t)
	symlink(t, rootPath, "hostslink", "/etc/passwd")
	before := listTree(t, dir)
	for _, tc := range []struct {
		p        string
		noFollow bool
		want     error
	}{
		{"etc/passwd/x", false, unix.ENOTDIR},
		{"loop1", false, unix.ELOOP},
		{"hostslink", true, unix.ELOOP},
		{"abs", true, unix.ELOOP},
		{"etclink/new", true, unix.ELOOP},
	} {
		fd, err := CreateFileInRoot(root, tc.p, tc.noFollow)
		if err != tc.want {
			t.Errorf("CreateFileInRoot(%q, noFollow %v) = %d, %v; want %v", tc.p, tc.noFollow, fd, err, tc.want)
		}
		if err == nil {
			unix.Close(fd)
		}
	}
	if after := listTree(t, dir); !reflect.DeepEqual(after, before) {
		t.Errorf("failed CreateFileInRoot calls changed the tree: %q, was %q", after, before)
	}
}

// A dangling symlink where the file should be: never created through,
// neither on the host nor (unlike MkdirAllInRoot) at its target in the root.
func TestCreateFileInRootDanglingSymlink(t *testing.T) {
	dir, root, rootPath := testRoot(t)
	outside := filepath.Join(dir, "outside")
	symlink(t, rootPath, "etc/resolv.conf", filepath.Join(outside, "resolv.conf"))
	symlink(t, rootPath, "etc/hostname", "../../hostname")
	for _, p := range []string{"etc/resolv.conf", "etc/hostname"} {
		fd, err := CreateFileInRoot(root, p, false)
		if err == nil {
			unix.Close(fd)
			t.Errorf("CreateFileInRoot(%q) through a dangling symlink succeeded", p)
		}
	}
	for _, p := range []string{filepath.Join(outside, "resolv.conf"), filepath.Join(dir, "hostname")} {
		if _, err := os.Lstat(p); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s exists outside the root: %v", p, err)
		}
	}
}

// Runs on one rootfs directory make the same missing mount target at
// the same time (TestNetBridgeTwenty: 20 runs with -v DIR:/shared): the
// mkdir that loses the race sees EEXIST for a directory, not a dangling
// symlink, and must open what the other made.
func TestMkdirAllInRootConcurrent(t *testing.T) {
	for round := 0; round < 100; round++ {
		dir := t.TempDir()
		root, err := OpenRoot(dir)
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				fd, err := MkdirAllInRoot(root, "/shared/a", 0o755, false)
				if err != nil {
					errs <- err
					return
				}
				unix.Close(fd)
			}()
		}
		wg.Wait()
		unix.Close(root)
		close(errs)
		for err := range errs {
			t.Fatalf("round %d: %v", round, err)
		}
	}
}
