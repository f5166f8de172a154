// Package rootfs is the Go side of the container's root filesystem: it
// validates a rootfs, builds the ordered mount plan, resolves paths inside
// the root without ever leaving it, and carries the plan out in init.
package rootfs

import (
	"errors"
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Paths inside a rootfs are hostile: the image author controls every
// symlink in it. Every lookup goes through openat2 with RESOLVE_IN_ROOT, so
// "..", absolute symlinks and "/" all stay inside the root, and with
// RESOLVE_NO_MAGICLINKS, so /proc/self/... style links cannot jump out
// either. Resolving a path by its string twice is how runc got
// CVE-2021-30465 and CVE-2024-45310; here each target is resolved once into
// an fd and the mount is made on that fd.
const inRoot = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS

// OpenInRoot opens p (relative to the root, leading "/" optional) inside
// the directory root. With noFollow no component may be a symlink at all.
func OpenInRoot(root int, p string, flags int, noFollow bool) (int, error) {
	how := unix.OpenHow{Flags: uint64(flags | unix.O_CLOEXEC), Resolve: inRoot}
	if noFollow {
		how.Resolve |= unix.RESOLVE_NO_SYMLINKS
	}
	for {
		fd, err := unix.Openat2(root, cleanRel(p), &how)
		if err == unix.EINTR || err == unix.EAGAIN {
			// EAGAIN: a concurrent rename raced the lookup; openat2 asks
			// to be retried.
			continue
		}
		if err == unix.ENOSYS {
			return -1, errors.New("openat2 is missing: mycontainer needs Linux 5.6 or later to resolve paths safely")
		}
		return fd, err
	}
}

// cleanRel turns any path into a clean path relative to the root.
func cleanRel(p string) string {
	c := strings.TrimPrefix(path.Clean("/"+p), "/")
	if c == "" {
		return "."
	}
	return c
}

// MkdirAllInRoot makes sure directory p exists inside root, creating what
// is missing, and returns an O_PATH fd of it. Each missing component is
// made with mkdirat relative to its parent's fd, which never follows a
// symlink; existing components are resolved inside the root. A dangling
// symlink is followed the way the kernel would, but inside the root, and
// its target is created there (as runc does for mount targets).
func MkdirAllInRoot(root int, p string, mode uint32, noFollow bool) (int, error) {
	return mkdirAll(root, p, mode, noFollow, 0)
}

// maxSymlinks is the kernel's MAXSYMLINKS: the most links one lookup follows.
const maxSymlinks = 40

func mkdirAll(root int, p string, mode uint32, noFollow bool, depth int) (int, error) {
	rel := cleanRel(p)
	fd, err := OpenInRoot(root, rel, unix.O_PATH|unix.O_DIRECTORY, noFollow)
	if err != unix.ENOENT {
		return fd, err
	}
	parent, name := path.Split(rel)
	pfd, err := mkdirAll(root, parent, 0o755, noFollow, depth)
	if err != nil {
		return -1, err
	}
	defer unix.Close(pfd)
	if onProcfs(pfd) {
		// Nothing is made in procfs, and its "dangling symlinks" are magic
		// links whose text (readlink of /proc/self/fd/N) names wherever
		// the runtime's own fd N points: following it as a path entered
		// the container's /proc/1/fd (CVE-2024-21626's pattern).
		return -1, unix.ENOENT
	}
	err = unix.Mkdirat(pfd, name, mode)
	if err == unix.EEXIST && !noFollow {
		// Something is there but did not resolve: a dangling symlink.
		buf := make([]byte, 4096)
		n, lerr := unix.Readlinkat(pfd, name, buf)
		if lerr == unix.EINVAL {
			// Not a symlink: another run on the same rootfs made it
			// between our lookup and our mkdir (20 runs with one -v
			// target at once); open what is there, in the root.
			return OpenInRoot(root, rel, unix.O_PATH|unix.O_DIRECTORY, noFollow)
		}
		if lerr != nil {
			return -1, err
		}
		if depth >= maxSymlinks {
			return -1, unix.ELOOP
		}
		target := string(buf[:n])
		if !path.IsAbs(target) {
			// Relative to the directory the link really sits in, which is
			// not the lexical parent when the path crossed a symlink.
			dir, err := pathInRoot(root, pfd)
			if err != nil {
				return -1, err
			}
			target = path.Join(dir, target)
		}
		return mkdirAll(root, target, mode, noFollow, depth+1)
	}
	if err != nil && err != unix.EEXIST {
		return -1, err
	}
	return OpenInRoot(root, rel, unix.O_PATH|unix.O_DIRECTORY, noFollow)
}

func onProcfs(fd int) bool {
	var sfs unix.Statfs_t
	return unix.Fstatfs(fd, &sfs) == nil && sfs.Type == unix.PROC_SUPER_MAGIC
}

// pathInRoot names where fd sits inside root, from the kernel's own view
// of both (/proc/self/fd), so symlinks already followed are accounted for.
func pathInRoot(root, fd int) (string, error) {
	rootPath, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(root))
	if err != nil {
		return "", fmt.Errorf("locate root: %w", err)
	}
	p, err := os.Readlink("/proc/self/fd/" + strconv.Itoa(fd))
	if err != nil {
		return "", fmt.Errorf("locate directory: %w", err)
	}
	if rootPath == "/" {
		return p, nil
	}
	rel, ok := strings.CutPrefix(p, rootPath+"/")
	if !ok && p != rootPath {
		return "", fmt.Errorf("directory %s is outside the root %s", p, rootPath)
	}
	return "/" + rel, nil
}

// CreateFileInRoot makes sure file p exists inside root (as a bind-mount
// target) and returns an O_PATH fd of it.
func CreateFileInRoot(root int, p string, noFollow bool) (int, error) {
	rel := cleanRel(p)
	fd, err := OpenInRoot(root, rel, unix.O_PATH, noFollow)
	if err != unix.ENOENT {
		return fd, err
	}
	parent, name := path.Split(rel)
	pfd, err := MkdirAllInRoot(root, parent, 0o755, noFollow)
	if err != nil {
		return -1, err
	}
	defer unix.Close(pfd)
	// O_NOFOLLOW|O_EXCL: never create through a symlink planted here.
	f, err := unix.Openat(pfd, name, unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_WRONLY|unix.O_CLOEXEC, 0o644)
	if err != nil && err != unix.EEXIST {
		return -1, err
	}
	if err == nil {
		unix.Close(f)
	}
	return OpenInRoot(root, rel, unix.O_PATH, noFollow)
}

// describeSymlink explains a refused symlink, naming where it points.
func describeSymlink(root int, p string) string {
	rel := cleanRel(p)
	for cur := rel; cur != "." && cur != "/" && cur != ""; cur = path.Dir(cur) {
		buf := make([]byte, 4096)
		n, err := unix.Readlinkat(root, cur, buf)
		if err == nil {
			return fmt.Sprintf("/%s in the rootfs is a symlink to %q", cur, string(buf[:n]))
		}
	}
	return fmt.Sprintf("a component of %s in the rootfs is a symlink", p)
}
