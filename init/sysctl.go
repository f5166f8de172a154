package containerinit

import (
	"fmt"
	"strings"

	"mycontainer/rootfs"

	"golang.org/x/sys/unix"
)

// sysctlPath turns a key into its path under /proc/sys. As sysctl(8) does,
// a key with a slash is taken as a path, so a dot stays a dot (an interface
// "eth0.100" in net.ipv4.conf); otherwise dots are separators. Empty, "."
// and ".." components are refused: a key must name a file below /proc/sys.
func sysctlPath(key string) (string, error) {
	p := key
	if !strings.Contains(key, "/") {
		p = strings.ReplaceAll(key, ".", "/")
	}
	for _, c := range strings.Split(p, "/") {
		if c == "" || c == "." || c == ".." {
			return "", fmt.Errorf("sysctl %q: not a valid key", key)
		}
	}
	return p, nil
}

// writeSysctls writes each value to /proc/sys/<key>. /proc/sys is opened
// inside the root without symlinks and checked to be procfs: a rootfs
// could otherwise offer a directory or link of its own there. Each key is
// then opened beneath that fd with no symlinks and no mount crossing, so
// the write lands in that same procfs. Whether a key may be set at all
// (only namespaced ones are safe) is the spec layer's check.
func writeSysctls(root int, list []Sysctl) error {
	if len(list) == 0 {
		return nil
	}
	dir, err := rootfs.OpenInRoot(root, "/proc/sys", unix.O_PATH|unix.O_DIRECTORY, true)
	if err != nil {
		return fmt.Errorf("open /proc/sys: %w", err)
	}
	defer unix.Close(dir)
	var fs unix.Statfs_t
	if err := unix.Fstatfs(dir, &fs); err != nil {
		return fmt.Errorf("statfs /proc/sys: %w", err)
	}
	if fs.Type != unix.PROC_SUPER_MAGIC {
		return fmt.Errorf("/proc/sys is not procfs (type %#x); refusing to write sysctls", fs.Type)
	}
	for _, s := range list {
		if err := writeSysctl(dir, s); err != nil {
			return err
		}
	}
	return nil
}

func writeSysctl(dir int, s Sysctl) error {
	p, err := sysctlPath(s.Key)
	if err != nil {
		return err
	}
	how := unix.OpenHow{
		Flags:   unix.O_WRONLY | unix.O_CLOEXEC | unix.O_NOCTTY,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_XDEV,
	}
	fd, err := unix.Openat2(dir, p, &how)
	if err != nil {
		return fmt.Errorf("sysctl %s (/proc/sys/%s): %w", s.Key, p, err)
	}
	defer unix.Close(fd)
	// One write: procfs parses the value per write call.
	n, err := unix.Write(fd, []byte(s.Value))
	if err == nil && n != len(s.Value) {
		err = unix.EIO
	}
	if err != nil {
		return fmt.Errorf("sysctl %s=%q: %w", s.Key, s.Value, err)
	}
	return nil
}
