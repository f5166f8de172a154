package image

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// Every tar is hostile. Each entry is written through fds: its parent
// directory is walked from the layer's root one component at a time with
// openat2(RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS|RESOLVE_NO_MAGICLINKS|
// RESOLVE_NO_XDEV), so no name, symlink or mount the tar planted earlier
// can lead out of the layer; the entry itself is made with O_EXCL and
// O_NOFOLLOW (or mknodat, symlinkat, linkat on the parent's fd), and its
// owner, mode and xattrs are set on the fd of what was made, never by a
// path that a symlink could redirect (CVE-2021-32760).
//
// Refused (the layer fails, nothing is kept): a ".." component, a path
// through a symlink planted by an earlier entry (CVE-2018-15664 class), a
// non-directory named "." (the layer's root), a hard link whose target is
// absolute, has "..", or goes through a symlink, a whiteout of "", "."
// or "..", names longer than PATH_MAX or a component longer than
// NAME_MAX, more than maxEntries entries, and more bytes than the size
// limit (a tar bomb). Neutralised: a leading "/" (names are relative to
// the layer), device nodes (dropped: the container gets its own /dev),
// trusted.* xattrs (an image must not set overlayfs's own, such as
// trusted.overlay.redirect), aufs's other .wh..wh. meta files.

// DefaultMaxLayerSize is the most one layer may unpack to.
const DefaultMaxLayerSize = 64 << 30

const (
	maxEntries = 4 << 20
	maxPath    = 4096
	maxNameLen = 255
)

// whiteoutPrefix marks a deleted file in an OCI or docker layer.
const (
	whiteoutPrefix = ".wh."
	whiteoutOpaque = ".wh..wh..opq"
)

// ErrUnsafe is wrapped by every refusal of a hostile entry.
var ErrUnsafe = errors.New("unsafe layer entry refused")

// UnpackStats says what one layer held.
type UnpackStats struct {
	Entries int
	Bytes   int64    // regular file bytes written
	Dropped []string // device nodes not created
}

type unpacker struct {
	root   int // the layer directory, O_PATH
	budget int64
	stats  UnpackStats
	dirs   []dirTime
}

type dirTime struct {
	rel   string
	mtime time.Time
}

// Unpack extracts the tar stream r into dir (an empty directory), as one
// overlayfs layer. max caps the bytes of regular files (0: the default).
func Unpack(r io.Reader, dir string, max int64) (*UnpackStats, error) {
	if max <= 0 {
		max = DefaultMaxLayerSize
	}
	root, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("open layer directory %s: %w", dir, err)
	}
	defer unix.Close(root)
	u := &unpacker{root: root, budget: max}
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return nil, fmt.Errorf("read tar: %w", err)
		}
		if u.stats.Entries++; u.stats.Entries > maxEntries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrUnsafe, maxEntries)
		}
		if err := u.entry(h, tr); err != nil {
			return nil, fmt.Errorf("tar entry %.200q: %w", h.Name, err)
		}
	}
	// Directory times last: adding children changed them.
	for i := len(u.dirs) - 1; i >= 0; i-- {
		d := u.dirs[i]
		fd, err := u.walk(d.rel, false)
		if err != nil {
			continue // replaced by a later entry
		}
		ts := []unix.Timespec{unix.NsecToTimespec(d.mtime.UnixNano()), unix.NsecToTimespec(d.mtime.UnixNano())}
		_ = unix.UtimesNanoAt(fd, "", ts, unix.AT_EMPTY_PATH)
		unix.Close(fd)
	}
	return &u.stats, nil
}

// entryPath turns a tar name into a clean path relative to the layer
// ("" is the layer's root). A leading "/" is dropped; ".." is refused.
func entryPath(n string) (string, error) {
	if len(n) > maxPath {
		return "", fmt.Errorf("%w: a name of %d bytes (more than %d)", ErrUnsafe, len(n), maxPath)
	}
	if strings.IndexByte(n, 0) >= 0 {
		return "", fmt.Errorf("%w: a NUL byte in the name", ErrUnsafe)
	}
	var out []string
	for _, p := range strings.Split(n, "/") {
		switch {
		case p == "" || p == ".":
		case p == "..":
			return "", fmt.Errorf("%w: a \"..\" component", ErrUnsafe)
		case len(p) > maxNameLen:
			return "", fmt.Errorf("%w: a component of %d bytes (more than %d)", ErrUnsafe, len(p), maxNameLen)
		default:
			out = append(out, p)
		}
	}
	return strings.Join(out, "/"), nil
}

func splitRel(rel string) (dir, base string) {
	dir, base = path.Split(rel)
	return strings.TrimSuffix(dir, "/"), base
}

func (u *unpacker) entry(h *tar.Header, r io.Reader) error {
	rel, err := entryPath(h.Name)
	if err != nil {
		return err
	}
	if rel == "" {
		if h.Typeflag != tar.TypeDir {
			return fmt.Errorf("%w: a %s named \".\" (the layer's root)", ErrUnsafe, typeName(h.Typeflag))
		}
		fd, err := unix.Openat(u.root, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		u.dirs = append(u.dirs, dirTime{rel, h.ModTime})
		return setMeta(fd, h)
	}
	dir, base := splitRel(rel)
	if strings.HasPrefix(base, whiteoutPrefix) {
		return u.whiteout(dir, base)
	}
	pfd, err := u.walk(dir, true)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	switch h.Typeflag {
	case tar.TypeDir:
		return u.mkdir(pfd, rel, base, h)
	case tar.TypeReg, tar.TypeRegA, tar.TypeCont, tar.TypeGNUSparse:
		return u.file(pfd, base, h, r)
	case tar.TypeSymlink:
		if err := removeAt(pfd, base); err != nil {
			return err
		}
		if err := unix.Symlinkat(h.Linkname, pfd, base); err != nil {
			return fmt.Errorf("symlink: %w", err)
		}
		if err := unix.Fchownat(pfd, base, h.Uid, h.Gid, unix.AT_SYMLINK_NOFOLLOW); err != nil {
			return fmt.Errorf("chown symlink: %w", err)
		}
		return setTimesAt(pfd, base, h.ModTime)
	case tar.TypeLink:
		return u.link(pfd, rel, base, h)
	case tar.TypeChar, tar.TypeBlock:
		if h.Typeflag == tar.TypeChar && h.Devmajor == 0 && h.Devminor == 0 {
			return mkWhiteout(pfd, base) // a whiteout already in overlayfs form
		}
		u.stats.Dropped = append(u.stats.Dropped, rel)
		return nil
	case tar.TypeFifo:
		if err := removeAt(pfd, base); err != nil {
			return err
		}
		if err := unix.Mknodat(pfd, base, unix.S_IFIFO|0o600, 0); err != nil {
			return fmt.Errorf("mkfifo: %w", err)
		}
		fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		return setMeta(fd, h)
	}
	return fmt.Errorf("%w: tar entry type %q is not supported", ErrUnsafe, h.Typeflag)
}

func typeName(t byte) string {
	switch t {
	case tar.TypeReg, tar.TypeRegA:
		return "file"
	case tar.TypeSymlink:
		return "symlink"
	case tar.TypeLink:
		return "hard link"
	case tar.TypeChar, tar.TypeBlock:
		return "device node"
	}
	return fmt.Sprintf("type %q entry", t)
}

func (u *unpacker) mkdir(pfd int, rel, base string, h *tar.Header) error {
	var st unix.Stat_t
	err := unix.Fstatat(pfd, base, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == nil && st.Mode&unix.S_IFMT != unix.S_IFDIR {
		if err := removeAt(pfd, base); err != nil {
			return err
		}
		err = unix.ENOENT
	}
	if err == unix.ENOENT {
		if err := unix.Mkdirat(pfd, base, 0o700); err != nil {
			return fmt.Errorf("mkdir: %w", err)
		}
	} else if err != nil {
		return err
	}
	fd, err := unix.Openat(pfd, base, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open directory: %w", err)
	}
	defer unix.Close(fd)
	u.dirs = append(u.dirs, dirTime{rel, h.ModTime})
	return setMeta(fd, h)
}

func (u *unpacker) file(pfd int, base string, h *tar.Header, r io.Reader) error {
	if h.Size < 0 || h.Size > u.budget {
		return fmt.Errorf("%w: the layer unpacks to more than its size limit (a file of %d bytes)", ErrUnsafe, h.Size)
	}
	if err := removeAt(pfd, base); err != nil {
		return err
	}
	fd, err := unix.Openat(pfd, base, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create: %w", err)
	}
	defer unix.Close(fd)
	n, err := io.Copy(fdWriter(fd), io.LimitReader(r, h.Size))
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if n != h.Size {
		return fmt.Errorf("write: the tar ended after %d of %d bytes", n, h.Size)
	}
	u.budget -= n
	u.stats.Bytes += n
	return setMeta(fd, h)
}

func (u *unpacker) link(pfd int, rel, base string, h *tar.Header) error {
	if strings.HasPrefix(h.Linkname, "/") {
		return fmt.Errorf("%w: a hard link to an absolute path %.200q", ErrUnsafe, h.Linkname)
	}
	target, err := entryPath(h.Linkname)
	if err != nil {
		return fmt.Errorf("hard link target: %w", err)
	}
	if target == "" {
		return fmt.Errorf("%w: a hard link to the layer's root", ErrUnsafe)
	}
	if target == rel {
		return nil
	}
	tdir, tbase := splitRel(target)
	tfd, err := u.walk(tdir, false)
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("%w: hard link target %.200q is not an earlier entry of this layer", ErrUnsafe, h.Linkname)
	}
	if err != nil {
		return fmt.Errorf("hard link target %.200q: %w", h.Linkname, err)
	}
	defer unix.Close(tfd)
	var st unix.Stat_t
	if err := unix.Fstatat(tfd, tbase, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return fmt.Errorf("%w: hard link target %.200q is not an earlier entry of this layer", ErrUnsafe, h.Linkname)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return fmt.Errorf("%w: a hard link to a directory", ErrUnsafe)
	}
	if err := removeAt(pfd, base); err != nil {
		return err
	}
	// No AT_SYMLINK_FOLLOW: a link to a symlink links the symlink itself.
	if err := unix.Linkat(tfd, tbase, pfd, base, 0); err != nil {
		return fmt.Errorf("hard link: %w", err)
	}
	return nil
}

// whiteout records a deletion: ".wh.NAME" becomes NAME as a 0/0
// character device, ".wh..wh..opq" marks its directory opaque.
func (u *unpacker) whiteout(dir, base string) error {
	pfd, err := u.walk(dir, true)
	if err != nil {
		return err
	}
	defer unix.Close(pfd)
	if base == whiteoutOpaque {
		fd, err := unix.Openat(pfd, ".", unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		if err := unix.Fsetxattr(fd, "trusted.overlay.opaque", []byte("y"), 0); err != nil {
			return fmt.Errorf("mark opaque: %w", err)
		}
		return nil
	}
	name := base[len(whiteoutPrefix):]
	switch {
	case name == "" || name == "." || name == "..":
		return fmt.Errorf("%w: a whiteout of %q", ErrUnsafe, name)
	case strings.HasPrefix(name, whiteoutPrefix):
		return nil // aufs's own meta files (.wh..wh.plnk, ...): nothing for overlayfs
	}
	return mkWhiteout(pfd, name)
}

func mkWhiteout(pfd int, name string) error {
	if err := removeAt(pfd, name); err != nil {
		return err
	}
	if err := unix.Mknodat(pfd, name, unix.S_IFCHR, 0); err != nil {
		return fmt.Errorf("whiteout: %w", err)
	}
	return nil
}

// walk opens the directory rel of the layer, one component at a time,
// never through a symlink; with create, missing directories are made
// (0755, root's), as docker does for entries whose parents the tar lacks.
func (u *unpacker) walk(rel string, create bool) (int, error) {
	fd, err := unix.Openat(u.root, ".", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, err
	}
	if rel == "" {
		return fd, nil
	}
	how := &unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV}
	for _, c := range strings.Split(rel, "/") {
		next, err := unix.Openat2(fd, c, how)
		if err == unix.ENOENT && create {
			if err = unix.Mkdirat(fd, c, 0o755); err == nil || err == unix.EEXIST {
				next, err = unix.Openat2(fd, c, how)
			}
		}
		unix.Close(fd)
		switch {
		case err == unix.ELOOP:
			return -1, fmt.Errorf("%w: the path goes through a symlink at %q (written by an earlier entry)", ErrUnsafe, c)
		case err == unix.ENOTDIR:
			return -1, fmt.Errorf("%w: %q on the path is not a directory", ErrUnsafe, c)
		case err != nil:
			return -1, fmt.Errorf("open %q: %w", c, error(err))
		}
		fd = next
	}
	return fd, nil
}

// removeAt removes name from the directory pfd, whatever it is, without
// following a symlink; a missing name is fine.
func removeAt(pfd int, name string) error {
	var st unix.Stat_t
	err := unix.Fstatat(pfd, name, &st, unix.AT_SYMLINK_NOFOLLOW)
	if err == unix.ENOENT {
		return nil
	}
	if err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return unix.Unlinkat(pfd, name, 0)
	}
	fd, err := unix.Openat(pfd, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	names, err := readDirNames(fd)
	if err == nil {
		for _, n := range names {
			if err = removeAt(fd, n); err != nil {
				break
			}
		}
	}
	unix.Close(fd)
	if err != nil {
		return err
	}
	return unix.Unlinkat(pfd, name, unix.AT_REMOVEDIR)
}

// setMeta sets owner, then mode (chown clears setuid), xattrs and times
// on the fd of what the entry made.
func setMeta(fd int, h *tar.Header) error {
	if err := unix.Fchown(fd, h.Uid, h.Gid); err != nil {
		return fmt.Errorf("chown: %w", err)
	}
	if err := unix.Fchmod(fd, uint32(h.Mode&0o7777)); err != nil {
		return fmt.Errorf("chmod: %w", err)
	}
	for k, v := range h.PAXRecords {
		name, ok := strings.CutPrefix(k, "SCHILY.xattr.")
		if !ok || !keepXattr(name) {
			continue
		}
		if err := unix.Fsetxattr(fd, name, []byte(v), 0); err != nil && err != unix.ENOTSUP {
			return fmt.Errorf("xattr %s: %w", name, err)
		}
	}
	ts := []unix.Timespec{unix.NsecToTimespec(h.ModTime.UnixNano()), unix.NsecToTimespec(h.ModTime.UnixNano())}
	return unix.UtimesNanoAt(fd, "", ts, unix.AT_EMPTY_PATH)
}

// keepXattr: file capabilities and user xattrs are the image's; trusted.*
// belongs to overlayfs (a planted trusted.overlay.redirect could point a
// lookup elsewhere) and security.selinux to the host's policy.
func keepXattr(name string) bool {
	return strings.HasPrefix(name, "user.") || name == "security.capability"
}

func setTimesAt(pfd int, name string, t time.Time) error {
	ts := []unix.Timespec{unix.NsecToTimespec(t.UnixNano()), unix.NsecToTimespec(t.UnixNano())}
	return unix.UtimesNanoAt(pfd, name, ts, unix.AT_SYMLINK_NOFOLLOW)
}
