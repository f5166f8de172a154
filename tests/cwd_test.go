package tests

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Attack: process.cwd naming /proc/self/fd/N (CVE-2024-21626's shape).
// With N=5, run --bundle chdir'd into the container's /proc/1/fd: the
// runtime's own fd 5, opened while resolving the path, was read back as
// a "dangling symlink" and followed. Refused for every N, whether the
// config names the path or a symlink in the rootfs leads there.
func TestCwdProcSelfFd(t *testing.T) {
	root := minimalRootfs(t)
	for _, d := range []string{"proc", "dev", "sys", "tmp"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for n := 3; n <= 8; n++ {
		link := fmt.Sprintf("work%d", n)
		if err := os.Symlink(fmt.Sprintf("/proc/self/fd/%d", n), filepath.Join(root, link)); err != nil {
			t.Fatal(err)
		}
		for _, cwd := range []string{fmt.Sprintf("/proc/self/fd/%d", n), "/" + link} {
			t.Run(strings.ReplaceAll(cwd, "/", "_"), func(t *testing.T) {
				e := newOCIEnv(t)
				b := e.bundle(t, "cwd", []string{"sh", "-c", "echo RAN in $(pwd)"}, func(s *specs.Spec) {
					s.Root.Path = root
					s.Process.Cwd = cwd
				})
				before := snapshot(t)
				r := runWithin(t, hangBound, "--root", e.root, "run", "--bundle", b, "cwd")
				if r.code == 0 || strings.Contains(r.stdout, "RAN") {
					t.Errorf("cwd %s: exit %d, stdout %q: the command ran", cwd, r.code, r.stdout)
				}
				if !strings.Contains(r.stderr, cwd) {
					t.Errorf("cwd %s: the error does not name it: %q", cwd, r.stderr)
				}
				before.assertClean(t, "")
			})
		}
	}
}
