package cgroups

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// FileError reports one failed operation on a cgroupfs file or directory.
// Err is the bare errno, so errors.Is(err, unix.EBUSY) works through it.
type FileError struct {
	Op    string // "read", "write", "mkdir", "rmdir", "stat", "list", "open"
	Path  string
	Value string // what was written, for Op == "write"
	Err   error
}

func (e *FileError) Error() string {
	if e.Op == "write" {
		return fmt.Sprintf("write %s to %s: %v", e.Value, e.Path, e.Err)
	}
	return fmt.Sprintf("%s %s: %v", e.Op, e.Path, e.Err)
}

func (e *FileError) Unwrap() error { return e.Err }

// fsOps is the seam between the managers and cgroupfs. The real
// implementation talks to the kernel; unit tests use a temporary directory
// and record every write, so the exact files, values and their order can be
// checked without root.
type fsOps interface {
	Mkdir(path string) error // mode 0755; an existing directory gives EEXIST
	Rmdir(path string) error
	ReadFile(path string) (string, error)
	WriteFile(path, value string) error
	Exists(path string) (bool, error)
	SubDirs(path string) ([]string, error) // names of the child directories
	ModTime(path string) (time.Time, error)
}

// hostFS is the real cgroupfs.
type hostFS struct{}

// errnoOf strips the *os.PathError / *os.SyscallError layers, because
// FileError already names the path and the operation.
func errnoOf(err error) error {
	var en unix.Errno
	if errors.As(err, &en) {
		return en
	}
	return err
}

func (hostFS) Mkdir(path string) error {
	if err := unix.Mkdir(path, 0o755); err != nil {
		return &FileError{Op: "mkdir", Path: path, Err: err}
	}
	return nil
}

func (hostFS) Rmdir(path string) error {
	if err := unix.Rmdir(path); err != nil {
		return &FileError{Op: "rmdir", Path: path, Err: err}
	}
	return nil
}

// ReadFile reads a cgroupfs file with plain syscalls: os.ReadFile would
// also fstat it and register it with Go's poller and take it out again,
// four more syscalls for each of the dozens of files a start touches.
func (hostFS) ReadFile(path string) (string, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "", &FileError{Op: "read", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var out []byte
	buf := make([]byte, 4096)
	for {
		n, err := unix.Read(fd, buf)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return "", &FileError{Op: "read", Path: path, Err: err}
		}
		if n == 0 {
			return string(out), nil
		}
		out = append(out, buf[:n]...)
	}
}

// WriteFile writes value with a single write(2). cgroupfs parses each write
// on its own, so a value split over two writes would be two values.
// The file is never created: a missing file means a missing controller or
// feature, and creating it would hide that.
func (hostFS) WriteFile(path, value string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_TRUNC|unix.O_CLOEXEC, 0)
	if err != nil {
		return &FileError{Op: "write", Path: path, Value: value, Err: err}
	}
	defer unix.Close(fd)
	n, err := unix.Write(fd, []byte(value))
	if err != nil {
		return &FileError{Op: "write", Path: path, Value: value, Err: err}
	}
	if n != len(value) {
		return &FileError{Op: "write", Path: path, Value: value, Err: fmt.Errorf("short write: %d of %d bytes", n, len(value))}
	}
	return nil
}

func (hostFS) Exists(path string) (bool, error) {
	var st unix.Stat_t
	err := unix.Stat(path, &st)
	if err == nil {
		return true, nil
	}
	if errors.Is(err, unix.ENOENT) {
		return false, nil
	}
	return false, &FileError{Op: "stat", Path: path, Err: err}
}

func (hostFS) SubDirs(path string) ([]string, error) {
	ents, err := os.ReadDir(path)
	if err != nil {
		return nil, &FileError{Op: "list", Path: path, Err: errnoOf(err)}
	}
	var dirs []string
	for _, e := range ents {
		if e.IsDir() {
			dirs = append(dirs, e.Name())
		}
	}
	return dirs, nil
}

func (hostFS) ModTime(path string) (time.Time, error) {
	var st unix.Stat_t
	if err := unix.Stat(path, &st); err != nil {
		return time.Time{}, &FileError{Op: "stat", Path: path, Err: err}
	}
	return time.Unix(st.Mtim.Unix()), nil
}

// mkdirOK creates path and accepts a directory that already exists: the
// project parent is shared by all containers, and a re-Apply finds its own
// directory.
func mkdirOK(fs fsOps, path string) error {
	err := fs.Mkdir(path)
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return err
	}
	return nil
}

// readTrim reads a one-value file.
func readTrim(fs fsOps, path string) (string, error) {
	s, err := fs.ReadFile(path)
	return strings.TrimSpace(s), err
}

// stepErr prefixes err with the package and the step that failed, and adds
// a hint about the kernel rule behind the errno when one is known.
func stepErr(step string, err error, hint string) error {
	if hint != "" {
		return fmt.Errorf("cgroups: %s: %w (%s)", step, err, hint)
	}
	return fmt.Errorf("cgroups: %s: %w", step, err)
}

func isNotExist(err error) bool { return errors.Is(err, unix.ENOENT) }

// isBusy: EBUSY is what cgroupfs returns for a populated cgroup; ENOTEMPTY
// is what it returns when child cgroups remain.
func isBusy(err error) bool { return errors.Is(err, unix.EBUSY) || errors.Is(err, unix.ENOTEMPTY) }
