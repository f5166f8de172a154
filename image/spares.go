package image

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Spare upper and work directories. Making a container's directories and
// removing them costs more than the rest of run --image where inodes and
// blocks are dear (this VM's ext4 without a journal, mounted with
// discard: about 1 to 1.5 ms of CPU per start). A run whose container
// left its upper directory exactly as made (empty, 0755, root's, no
// xattr but overlayfs's uuid: nothing was written, no metadata copied up) renames its
// directory to containers/spare-N instead of removing it, and the next
// run renames a spare to its own name instead of making one. A spare is
// never used while the container that had it lives: it becomes one only
// after that container's every process is gone (run returns after the
// container's PID namespace is). Anything else in it, and the directory
// is removed as before.

// maxSpares bounds the pool: runs at once beyond it make their own.
const maxSpares = 4

const sparePrefix = "spare-"

func isSpare(name string) bool { return strings.HasPrefix(name, sparePrefix) }

// claimSpare renames one of the spares in names to dir; false when none
// was left (another run took it first, or there are none).
func (s *Store) claimSpare(names []string, dir string) bool {
	for _, n := range names {
		if err := os.Rename(s.path("containers", n), dir); err == nil {
			return true
		}
	}
	return false
}

// rewriteUses replaces a claimed spare's uses file in place: writing over
// it and truncating keeps its block (a truncation to 0 would free it).
func rewriteUses(path string, b []byte) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC|unix.O_NOFOLLOW, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if n, err := unix.Pwrite(fd, b, 0); err != nil || n != len(b) {
		return fmt.Errorf("write %s: %d of %d bytes: %v", path, n, len(b), err)
	}
	return unix.Ftruncate(fd, int64(len(b)))
}

// spare turns a container's ended directory into a spare if it is as
// made, and reports whether it did.
func (c *Container) spare() bool {
	if !pristine(c.Upper, c.Work) {
		return false
	}
	parent := strings.TrimSuffix(c.Dir, "/"+lastElem(c.Dir))
	for i := range maxSpares {
		err := unix.Renameat2(unix.AT_FDCWD, c.Dir, unix.AT_FDCWD, fmt.Sprintf("%s/%s%d", parent, sparePrefix, i), unix.RENAME_NOREPLACE)
		if err == nil {
			return true
		}
		if !errors.Is(err, unix.EEXIST) {
			return false
		}
	}
	return false
}

func lastElem(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// pristine reports whether upper is empty, 0755, root's and without
// xattrs (overlayfs's uuid is removed), and work holds nothing but
// overlayfs's empty work/work.
func pristine(upper, work string) bool {
	var st unix.Stat_t
	if unix.Lstat(upper, &st) != nil || st.Mode != unix.S_IFDIR|0o755 || st.Uid != 0 || st.Gid != 0 {
		return false
	}
	// overlayfs's own trusted.overlay.uuid is the one xattr a fresh upper
	// gets at its first mount; it goes, so the next mount makes its own.
	buf := make([]byte, 256)
	n, err := unix.Llistxattr(upper, buf)
	if err != nil {
		return false
	}
	for _, x := range strings.Split(string(buf[:n]), "\x00") {
		if x != "" && x != "trusted.overlay.uuid" {
			return false
		}
	}
	if n > 0 && unix.Lremovexattr(upper, "trusted.overlay.uuid") != nil {
		return false
	}
	if names, err := entries(upper); err != nil || len(names) != 0 {
		return false
	}
	names, err := entries(work)
	if err != nil || len(names) > 1 || len(names) == 1 && names[0] != "work" {
		return false
	}
	if len(names) == 1 {
		inner, err := entries(work + "/work")
		return err == nil && len(inner) == 0
	}
	return true
}

func entries(dir string) ([]string, error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Readdirnames(-1)
}
