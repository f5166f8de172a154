package image

import (
	"fmt"
	"io"
	"os"
	"path"

	"golang.org/x/sys/unix"
)

// Flatten copies an image's layers, bottom first, into the directory dst
// (an fd), as overlayfs would merge them: a whiteout (a 0/0 character
// device) removes what lower layers put there, an opaque directory
// (trusted.overlay.opaque) hides their contents. The result is a plain
// directory tree another runtime can use as its rootfs; the store's
// layers are only read, so a container writing into the copy never
// changes them.
//
// Every step is relative to a directory fd and never follows a symlink
// (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW): a layer's symlink /usr -> /host/usr
// stays a symlink in the copy, and a later layer's usr/ directory
// replaces it instead of writing through it.
func (s *Store) Flatten(im *Image, dst int) error {
	for _, l := range im.Layers {
		src, err := unix.Open(s.LayerDir(l), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("layer %s is missing from the store (pull the image again): %w", l, err)
		}
		f := &flattener{root: dst, links: map[[2]uint64]string{}}
		err = f.dir(src, dst, "")
		unix.Close(src)
		if err != nil {
			return fmt.Errorf("copy layer %.19s: %w", l, err)
		}
	}
	return nil
}

type flattener struct {
	root  int
	links map[[2]uint64]string // a layer's hard links: (dev, inode) -> the first copy's path
}

// dir merges the layer directory src (at rel) into dst.
func (f *flattener) dir(src, dst int, rel string) error {
	names, err := readDirNames(src)
	if err != nil {
		return err
	}
	for _, n := range names {
		if err := f.entry(src, dst, n, path.Join(rel, n)); err != nil {
			return err
		}
	}
	return nil
}

func (f *flattener) entry(src, dst int, n, rel string) error {
	var st unix.Stat_t
	if err := unix.Fstatat(src, n, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFCHR:
		if st.Rdev == 0 { // a whiteout: what lower layers had here goes
			return removeAt(dst, n)
		}
		return nil // unpacking drops device nodes; none should be here
	case unix.S_IFDIR:
		return f.subdir(src, dst, n, rel, &st)
	}
	if err := removeAt(dst, n); err != nil {
		return fmt.Errorf("%s: replace: %w", rel, err)
	}
	key := [2]uint64{st.Dev, st.Ino}
	if first, ok := f.links[key]; ok && st.Nlink > 1 {
		return f.hardlink(first, dst, n, rel)
	}
	var err error
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFREG:
		err = copyFile(src, dst, n, &st)
	case unix.S_IFLNK:
		err = copySymlink(src, dst, n, &st)
	case unix.S_IFIFO:
		if err = unix.Mknodat(dst, n, unix.S_IFIFO|0o600, 0); err == nil {
			err = metaAt(dst, n, &st)
		}
	default:
		return nil // sockets: nothing to copy
	}
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if st.Nlink > 1 {
		f.links[key] = rel
	}
	return nil
}

func (f *flattener) subdir(src, dst int, n, rel string, st *unix.Stat_t) error {
	sfd, err := unix.Openat(src, n, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	defer unix.Close(sfd)
	var dt unix.Stat_t
	err = unix.Fstatat(dst, n, &dt, unix.AT_SYMLINK_NOFOLLOW)
	// A lower layer's file or symlink here is replaced by the directory;
	// an opaque directory hides everything the lower layers had in it.
	if err == nil && (dt.Mode&unix.S_IFMT != unix.S_IFDIR || isOpaque(sfd)) {
		if err := removeAt(dst, n); err != nil {
			return fmt.Errorf("%s: replace: %w", rel, err)
		}
	}
	if err := unix.Mkdirat(dst, n, 0o700); err != nil && err != unix.EEXIST {
		return fmt.Errorf("%s: %w", rel, err)
	}
	dfd, err := unix.Openat(dst, n, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	defer unix.Close(dfd)
	if err := f.dir(sfd, dfd, rel); err != nil {
		return err
	}
	// Owner, mode and times last: a 0555 directory still took its
	// entries, and their creation did not move its mtime afterwards.
	if err := setMetaFd(sfd, dfd, st); err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	return nil
}

func isOpaque(fd int) bool {
	b := make([]byte, 2)
	n, err := unix.Fgetxattr(fd, "trusted.overlay.opaque", b)
	return err == nil && n == 1 && b[0] == 'y'
}

// hardlink links rel to the copy of an earlier name of the same inode in
// this layer, found from the root without following a symlink.
func (f *flattener) hardlink(first string, dst int, n, rel string) error {
	dir, base := path.Split(first)
	pfd, err := unix.Openat2(f.root, "./"+dir, &unix.OpenHow{
		Flags:   unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV})
	if err != nil {
		return fmt.Errorf("%s: hard link to %s: %w", rel, first, err)
	}
	defer unix.Close(pfd)
	if err := unix.Linkat(pfd, base, dst, n, 0); err != nil {
		return fmt.Errorf("%s: hard link to %s: %w", rel, first, err)
	}
	return nil
}

func copyFile(src, dst int, n string, st *unix.Stat_t) error {
	in, err := unix.Openat(src, n, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	inf := os.NewFile(uintptr(in), n)
	defer inf.Close()
	out, err := unix.Openat(dst, n, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	outf := os.NewFile(uintptr(out), n)
	defer outf.Close()
	// A reflink where the filesystem shares blocks (btrfs, xfs), else
	// copy_file_range (io.Copy between two *os.File uses it).
	if st.Size > 0 && unix.IoctlFileClone(out, in) != nil {
		if _, err := io.Copy(outf, inf); err != nil {
			return err
		}
	}
	return setMetaFd(in, out, st)
}

func copySymlink(src, dst int, n string, st *unix.Stat_t) error {
	buf := make([]byte, unix.PathMax)
	k, err := unix.Readlinkat(src, n, buf)
	if err != nil {
		return err
	}
	if err := unix.Symlinkat(string(buf[:k]), dst, n); err != nil {
		return err
	}
	return metaAt(dst, n, st)
}

// setMetaFd gives out the owner, mode, kept xattrs and times of in.
func setMetaFd(in, out int, st *unix.Stat_t) error {
	if err := unix.Fchown(out, int(st.Uid), int(st.Gid)); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	// After chown, which clears setuid and setgid.
	if err := unix.Fchmod(out, st.Mode&0o7777); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	if err := copyXattrs(in, out); err != nil {
		return err
	}
	ts := []unix.Timespec{st.Atim, st.Mtim}
	return unix.UtimesNanoAt(out, "", ts, unix.AT_EMPTY_PATH)
}

// metaAt sets owner and times of a symlink or fifo by name, never
// following it.
func metaAt(dst int, n string, st *unix.Stat_t) error {
	if err := unix.Fchownat(dst, n, int(st.Uid), int(st.Gid), unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFIFO {
		if err := unix.Fchmodat(dst, n, st.Mode&0o7777, 0); err != nil {
			return fmt.Errorf("chmod: %w", err)
		}
	}
	return unix.UtimesNanoAt(dst, n, []unix.Timespec{st.Atim, st.Mtim}, unix.AT_SYMLINK_NOFOLLOW)
}

// copyXattrs copies the xattrs an image may carry (keepXattr), never
// overlayfs's trusted.* ones.
func copyXattrs(in, out int) error {
	buf := make([]byte, 4096)
	n, err := unix.Flistxattr(in, buf)
	if err == unix.ENOTSUP || n == 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("list xattrs: %w", err)
	}
	val := make([]byte, 64<<10)
	for _, name := range splitNul(buf[:n]) {
		if !keepXattr(name) {
			continue
		}
		k, err := unix.Fgetxattr(in, name, val)
		if err != nil {
			return fmt.Errorf("xattr %s: %w", name, err)
		}
		if err := unix.Fsetxattr(out, name, val[:k], 0); err != nil && err != unix.ENOTSUP {
			return fmt.Errorf("xattr %s: %w", name, err)
		}
	}
	return nil
}

func splitNul(b []byte) []string {
	var out []string
	for len(b) > 0 {
		i := 0
		for i < len(b) && b[i] != 0 {
			i++
		}
		if i > 0 {
			out = append(out, string(b[:i]))
		}
		if i == len(b) {
			break
		}
		b = b[i+1:]
	}
	return out
}
