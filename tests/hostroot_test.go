package tests

import (
	"os"
	"path/filepath"
	"testing"
)

// Attack: `--rootfs /` gave a read-write host root, while the default
// form (no --rootfs) binds the host's / read-only. A container could then
// write anywhere on the host. Both forms must be the same read-only root.
func TestRootfsSlashIsReadOnly(t *testing.T) {
	// Not under /tmp or /run: the container gets its own tmpfs there.
	// Beside the test rootfs, which exists on every machine (in the v2 VM
	// too, where /var/tmp does not).
	dir, err := os.MkdirTemp(filepath.Dir(rootfs), "rootfs-slash-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	probe := filepath.Join(dir, "written")
	for _, args := range [][]string{{"run"}, {"run", "--rootfs", "/"}, {"run", "--rootfs", "//."}} {
		before := snapshot(t)
		r := run(t, append(args, "--", "/bin/sh", "-c", "echo x > "+probe)...)
		if r.code == 0 {
			t.Errorf("%v: the container wrote %s on the host's root", args, probe)
		}
		if _, err := os.Stat(probe); err == nil {
			t.Errorf("%v: %s exists on the host", args, probe)
			os.Remove(probe)
		}
		before.assertClean(t, "")
	}
}
