package image

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// bundleTmpPrefix names a bundle being written, beside its final name:
// .mycontainer-bundle-PID-START-NAME. A name whose process is gone was left
// by a killed `bundle` and the next one in that directory removes it.
const bundleTmpPrefix = ".mycontainer-bundle-"

// WriteBundle writes an OCI bundle of the image to dir: rootfs/ (the
// layers flattened) and config.json, which config makes given the
// rootfs's path. dir must be missing or an empty directory, and not a
// symlink; the parent's path is the caller's own and is followed.
//
// The bundle is written under a temporary name in dir's parent and
// renamed to dir at the end (rename replaces an empty directory, and
// fails if it has become non-empty): dir is the whole bundle or absent,
// whatever moment the process is killed at.
func (s *Store) WriteBundle(im *Image, dir string, config func(rootfs string) ([]byte, error)) (err error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", dir, err)
	}
	parent, base := filepath.Split(abs)
	if base == "" || base == "." || base == ".." {
		return fmt.Errorf("bundle %s: give a new or empty directory", dir)
	}
	pfd, err := unix.Open(parent, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bundle %s: the parent directory: %w", dir, err)
	}
	defer unix.Close(pfd)
	if err := checkBundleDir(pfd, base, abs); err != nil {
		return err
	}
	sweepBundles(pfd, parent)
	start, err := startTime(os.Getpid())
	if err != nil {
		return err
	}
	tmp := fmt.Sprintf("%s%d-%d-%s", bundleTmpPrefix, os.Getpid(), start, base)
	if len(tmp) > unix.NAME_MAX {
		tmp = tmp[:unix.NAME_MAX]
	}
	// 0700 while it is written, and after: the rootfs holds the image's
	// setuid files, which no other host user may reach.
	if err := unix.Mkdirat(pfd, tmp, 0o700); err != nil {
		return fmt.Errorf("bundle %s: %w", dir, err)
	}
	defer func() {
		if err != nil {
			removeAt(pfd, tmp)
		}
	}()
	tfd, err := unix.Openat(pfd, tmp, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", dir, err)
	}
	defer unix.Close(tfd)
	if err := unix.Mkdirat(tfd, "rootfs", 0o755); err != nil {
		return fmt.Errorf("bundle %s: rootfs: %w", dir, err)
	}
	rfd, err := unix.Openat(tfd, "rootfs", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bundle %s: rootfs: %w", dir, err)
	}
	defer unix.Close(rfd)
	unlock, err := s.lock(false) // no rmi or prune takes the layers away meanwhile
	if err != nil {
		return err
	}
	err = s.Flatten(im, rfd)
	unlock()
	if err != nil {
		return fmt.Errorf("bundle %s: %w", dir, err)
	}
	cfg, err := config(fmt.Sprintf("/proc/self/fd/%d", rfd))
	if err != nil {
		return err
	}
	cfd, err := unix.Openat(tfd, "config.json", unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o644)
	if err != nil {
		return fmt.Errorf("bundle %s: config.json: %w", dir, err)
	}
	_, err = fdWriter(cfd).Write(cfg)
	unix.Close(cfd)
	if err != nil {
		return fmt.Errorf("bundle %s: config.json: %w", dir, err)
	}
	if err := unix.Renameat(pfd, tmp, pfd, base); err != nil {
		if err == unix.ENOTEMPTY || err == unix.EEXIST || err == unix.ENOTDIR {
			return fmt.Errorf("bundle %s: something else appeared there meanwhile; nothing written", abs)
		}
		return fmt.Errorf("bundle %s: rename into place: %w", abs, err)
	}
	return nil
}

// checkBundleDir accepts a missing name or an empty directory, never a
// symlink (the bundle would land wherever it points).
func checkBundleDir(pfd int, base, abs string) error {
	var st unix.Stat_t
	err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	switch {
	case err == unix.ENOENT:
		return nil
	case err != nil:
		return fmt.Errorf("bundle %s: %w", abs, err)
	case st.Mode&unix.S_IFMT == unix.S_IFLNK:
		return fmt.Errorf("bundle %s: a symlink: refused (give the directory it points to, or a new name)", abs)
	case st.Mode&unix.S_IFMT != unix.S_IFDIR:
		return fmt.Errorf("bundle %s: exists and is not a directory", abs)
	}
	fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", abs, err)
	}
	defer unix.Close(fd)
	names, err := readDirNames(fd)
	if err != nil {
		return fmt.Errorf("bundle %s: %w", abs, err)
	}
	if len(names) > 0 {
		return fmt.Errorf("bundle %s: not empty (%d entries): refused, give a new or empty directory", abs, len(names))
	}
	return nil
}

// sweepBundles removes the bundles killed runs of `bundle` left half
// written in the directory pfd.
func sweepBundles(pfd int, parent string) {
	fd, err := unix.Openat(pfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return
	}
	defer unix.Close(fd)
	names, err := readDirNames(fd)
	if err != nil {
		return
	}
	for _, n := range names {
		rest, ok := strings.CutPrefix(n, bundleTmpPrefix)
		if !ok {
			continue
		}
		f := strings.SplitN(rest, "-", 3)
		if len(f) == 3 && !ownerAlive(f[0]+"-"+f[1]) {
			if err := removeAt(fd, n); err != nil && !errors.Is(err, unix.ENOENT) {
				fmt.Fprintf(os.Stderr, "mycontainer: remove %s%s left by a killed bundle: %v\n", parent, n, err)
			}
		}
	}
}
