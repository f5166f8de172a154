package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A rootfs whose mount targets are symlinks pointing out of it must never
// make a mount land on the host (the class of runc's CVE-2019-19921,
// CVE-2021-30465 and CVE-2025-31133).
func TestSymlinkEscapes(t *testing.T) {
	hostDir := filepath.Join(t.TempDir(), "host-dir")
	if err := os.Mkdir(hostDir, 0o755); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, link, target string
	}{
		{"proc-to-host-proc", "proc", "/proc"},
		{"dev-to-host-dir", "dev", hostDir},
		{"tmp-to-dotdot", "tmp", "../../.."},
		{"sys-to-host-sys", "sys", "/sys"},
		{"dev-pts-via-dotdot", "dev", "../../../../../../" + hostDir},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := minimalRootfs(t)
			for _, d := range []string{"proc", "dev", "sys", "tmp"} {
				if d != c.link {
					if err := os.Mkdir(filepath.Join(root, d), 0o755); err != nil {
						t.Fatal(err)
					}
				}
			}
			if err := os.Symlink(c.target, filepath.Join(root, c.link)); err != nil {
				t.Fatal(err)
			}
			before := snapshot(t)
			r := run(t, "run", "--rootfs", root, "--", "sh", "-c", "echo MOUNTED")
			if r.code != 125 {
				t.Errorf("exit %d, want 125; stdout %q stderr %q", r.code, r.stdout, r.stderr)
			}
			if strings.Contains(r.stdout, "MOUNTED") {
				t.Error("the command ran despite a hostile symlink")
			}
			checkOneLine(t, r.stderr, "/"+c.link, "symlink", "refusing")
			before.assertClean(t, "")
			ents, _ := os.ReadDir(hostDir)
			if len(ents) != 0 {
				t.Errorf("something was created in the host dir: %v", ents)
			}
		})
	}
}

// A volume target that is a symlink is followed only inside the root.
func TestVolumeTargetSymlinkStaysInRoot(t *testing.T) {
	root := minimalRootfs(t)
	// An absolute path that does not exist on the host: if the runtime
	// followed the link on the host, it would create it there.
	hostDir := "/mycontainer-escape-" + marker() + "/data"
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "hello"), []byte("hi\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// /data -> <hostDir> (absolute host path): inside the root it means
	// <root>/<hostDir>, never the host's directory.
	if err := os.Symlink(hostDir, filepath.Join(root, "data")); err != nil {
		t.Fatal(err)
	}
	before := snapshot(t)
	r := run(t, "run", "--rootfs", root, "-v", src+":/data:ro", "--", "cat", "/data/hello")
	if r.code != 0 || r.stdout != "hi\n" {
		t.Fatalf("exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	before.assertClean(t, "")
	if _, err := os.Stat(filepath.Dir(hostDir)); err == nil {
		os.RemoveAll(filepath.Dir(hostDir))
		t.Errorf("the runtime created %s on the host", hostDir)
	}
	if _, err := os.Stat(filepath.Join(root, hostDir)); err != nil {
		t.Errorf("the link was not resolved inside the root: %v", err)
	}
}

// Volumes are bound in order, read-only when asked.
func TestVolumes(t *testing.T) {
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "f"), []byte("data\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := inRootfs(t, []string{"-v", src + ":/mnt/a:ro", "-v", filepath.Join(src, "f") + ":/etc/f"},
		"sh", "-c", "cat /mnt/a/f /etc/f; touch /mnt/a/x 2>&1; echo w > /etc/f && cat /etc/f")
	if r.code != 0 || !strings.Contains(r.stdout, "data\ndata\n") || !strings.Contains(r.stdout, "Read-only") || !strings.HasSuffix(r.stdout, "w\n") {
		t.Errorf("exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
}
