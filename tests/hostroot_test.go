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
	// In the host's / itself: not under /tmp or /run, where the container
	// gets its own tmpfs (the tree may itself live under /tmp: make
	// mutants copies it there), and present on every machine, the v2 VM
	// too (it has no /var/tmp).
	dir, err := os.MkdirTemp("/", "mycontainer-rootfs-slash-")
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
