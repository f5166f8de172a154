package containerinit

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func TestDeviceNodeStaysUnderDev(t *testing.T) {
	for _, p := range []string{"/etc/passwd", "/dev/../etc/passwd", "dev/sda", "/dev", "/dev/", "/devices/x", ""} {
		if _, _, _, _, err := deviceNode(Device{Path: p, Type: "c", Major: 1, Minor: 3}); err == nil {
			t.Errorf("%q: accepted", p)
		}
	}
	for _, bad := range []Device{
		{Path: "/dev/x", Type: "z"},
		{Path: "/dev/x", Type: "c", Major: -1},
		{Path: "/dev/x", Type: "b", Minor: 1 << 20},
	} {
		if _, _, _, _, err := deviceNode(bad); err == nil {
			t.Errorf("%+v: accepted", bad)
		}
	}
	dir, name, mode, dev, err := deviceNode(Device{Path: "/dev/a/../sda", Type: "b", Major: 8, Minor: 1, Mode: unix.S_IFCHR | 0o640})
	if err != nil || dir != "/dev/" || name != "sda" || mode != unix.S_IFBLK|0o640 || dev != unix.Mkdev(8, 1) {
		t.Errorf("got %q %q %o %d %v", dir, name, mode, dev, err)
	}
}

// A rootfs whose /dev is a symlink to /etc must not get a node in /etc.
var _ = helper("dev-symlink", func() error {
	root, dir, err := childRoot(false)
	if err != nil {
		return err
	}
	os.RemoveAll(filepath.Join(dir, "dev"))
	os.Mkdir(filepath.Join(dir, "etc"), 0o755)
	os.Symlink("/etc", filepath.Join(dir, "dev"))
	var c checks
	err = createDevices(root, []Device{{Path: "/dev/evil", Type: "c", Major: 1, Minor: 1, Mode: 0o666}})
	c.expect(err != nil, "created a device through a symlinked /dev")
	_, serr := os.Lstat(filepath.Join(dir, "etc/evil"))
	c.expect(os.IsNotExist(serr), "a node appeared in /etc: %v", serr)
	// An existing different file at the path is not silently reused.
	os.Remove(filepath.Join(dir, "dev"))
	os.Mkdir(filepath.Join(dir, "dev"), 0o755)
	os.WriteFile(filepath.Join(dir, "dev/zero"), nil, 0o644)
	err = createDevices(root, []Device{{Path: "/dev/zero", Type: "c", Major: 1, Minor: 5, Mode: 0o666}})
	c.expect(err != nil, "a regular file was taken for /dev/zero")
	return c.err()
})

func TestDeviceRefusesSymlinkedDev(t *testing.T) { rootChild(t, "dev-symlink") }
