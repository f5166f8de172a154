package rootfs

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// testRoot makes dir/root (the rootfs) beside dir/outside (the host), and
// returns the directory, an O_PATH fd of the root and the root's path.
func testRoot(t *testing.T) (dir string, root int, rootPath string) {
	t.Helper()
	dir = t.TempDir()
	rootPath = filepath.Join(dir, "root")
	for _, d := range []string{rootPath, filepath.Join(dir, "outside")} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	root, err := OpenRoot(rootPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { unix.Close(root) })
	return dir, root, rootPath
}

// writeFile creates base/p and its parents with the given content and mode.
func writeFile(t *testing.T, base, p, content string, mode os.FileMode) {
	t.Helper()
	full := filepath.Join(base, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(full, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(full, mode); err != nil { // whatever the umask
		t.Fatal(err)
	}
}

// symlink makes base/p a symlink to target, creating its parents.
func symlink(t *testing.T, base, p, target string) {
	t.Helper()
	full := filepath.Join(base, p)
	if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, full); err != nil {
		t.Fatal(err)
	}
}

// readFD reads the file an O_PATH fd names, through a fresh open of it.
func readFD(t *testing.T, fd int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// sameFile reports whether fd is the file or directory at path.
func sameFile(t *testing.T, fd int, path string) bool {
	t.Helper()
	var a, b unix.Stat_t
	if err := unix.Fstat(fd, &a); err != nil {
		t.Fatal(err)
	}
	if err := unix.Lstat(path, &b); err != nil {
		return false
	}
	return a.Dev == b.Dev && a.Ino == b.Ino
}

// listTree returns every path under dir, for "nothing was created here".
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		out = append(out, strings.TrimPrefix(p, dir))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
