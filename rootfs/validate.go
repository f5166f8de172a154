package rootfs

import (
	"errors"
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// ErrCommandNotFound and ErrNotExecutable classify a bad command, so the
// CLI can use docker's exit codes 127 and 126.
var (
	ErrCommandNotFound = errors.New("command not found")
	ErrNotExecutable   = errors.New("command is not executable")
)

// OpenRoot opens the rootfs directory and checks that it is one.
func OpenRoot(dir string) (int, error) {
	fd, err := unix.Open(dir, unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err == unix.ENOTDIR {
		return -1, fmt.Errorf("rootfs %s: not a directory", dir)
	}
	if err == unix.ENOENT {
		return -1, fmt.Errorf("rootfs %s: no such directory", dir)
	}
	if err != nil {
		return -1, fmt.Errorf("rootfs %s: %w", dir, err)
	}
	return fd, nil
}

// LookPath finds the command the way execvp would, but inside root: a name
// with a "/" is taken as is, others are searched in the container's PATH.
// Relative names and PATH entries count from cwd, the container's working
// directory, as they will at exec. It returns the path inside the container.
func LookPath(root int, name, pathEnv, cwd string) (string, error) {
	if name == "" {
		return "", fmt.Errorf("%w: empty command", ErrCommandNotFound)
	}
	if strings.Contains(name, "/") {
		return name, checkExecutable(root, inDir(cwd, name))
	}
	var firstErr error
	for _, dir := range strings.Split(pathEnv, ":") {
		if dir == "" {
			dir = "."
		}
		p := dir + "/" + name
		err := checkExecutable(root, inDir(cwd, p))
		if err == nil {
			return p, nil
		}
		// Like execvp: a non-executable match is remembered, but a later
		// executable one still wins.
		if errors.Is(err, ErrNotExecutable) && firstErr == nil {
			firstErr = err
		}
	}
	if firstErr != nil {
		return "", firstErr
	}
	return "", fmt.Errorf("%w: %s in PATH %s", ErrCommandNotFound, name, pathEnv)
}

func checkExecutable(root int, p string) error {
	fd, err := OpenInRoot(root, p, unix.O_PATH, false)
	if err != nil {
		if err == unix.ENOENT || err == unix.ENOTDIR || err == unix.ELOOP {
			return fmt.Errorf("%w: %s", ErrCommandNotFound, p)
		}
		return fmt.Errorf("look up %s: %w", p, err)
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fmt.Errorf("stat %s: %w", p, err)
	}
	if st.Mode&unix.S_IFMT == unix.S_IFDIR {
		return fmt.Errorf("%w: %s is a directory", ErrNotExecutable, p)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG || st.Mode&0o111 == 0 {
		return fmt.Errorf("%w: %s (mode %04o)", ErrNotExecutable, p, st.Mode&0o7777)
	}
	return nil
}

// inDir makes a relative path absolute against the working directory.
func inDir(cwd, p string) string {
	if strings.HasPrefix(p, "/") {
		return p
	}
	if cwd == "" {
		cwd = "/"
	}
	return cwd + "/" + p
}
