package image

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"

	"golang.org/x/sys/unix"
)

// Kept containers: `run --name NAME` (or --keep, with a made-up name)
// keeps the container's upper directory after it exits, under
// kept/NAME/{upper,work,uses}, until `mycontainer rm NAME`. While its run
// lives, the run holds an exclusive flock on kept/NAME itself: the kernel
// drops it when the run dies, however it dies, so "running" is never
// stale; rm refuses while it is held.

// ValidName checks a container name as docker does: a letter or digit,
// then letters, digits, '_', '.' and '-' (never "/", ".", ".." or empty:
// the name is a directory under kept/).
func ValidName(n string) error {
	ok := n != "" && len(n) <= 128
	for i, c := range n {
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		ok = ok && (alnum || i > 0 && (c == '_' || c == '.' || c == '-'))
	}
	if !ok {
		return fmt.Errorf("container name %q: want a letter or digit, then letters, digits, '_', '.' or '-' (at most 128)", n)
	}
	return nil
}

// NewName makes up a name for `run --keep` without --name: 12 random hex
// digits, as docker's short container IDs.
func NewName() (string, error) {
	b := make([]byte, 6)
	if _, err := unix.Getrandom(b, 0); err != nil {
		return "", fmt.Errorf("make up a container name: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// KeptDir is where a kept container's files are.
func (s *Store) KeptDir(name string) string { return s.path("kept", name) }

// nameFree refuses a name a kept container (running or not) has.
func (s *Store) nameFree(name string) error {
	dir := s.KeptDir(name)
	if _, err := os.Lstat(dir); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if locked(dir) {
		return fmt.Errorf("container name %s is in use by a running container (run pid %s): choose another name",
			name, pidOf(readUses(dir).owner))
	}
	return fmt.Errorf("container name %s is in use by a container kept from an earlier run (its files: %s): remove it with `mycontainer rm %s`, or choose another name",
		name, dir, name)
}

// keep locks the new container's directory and renames it to kept/NAME.
// The lock is taken first, so that no one sees kept/NAME unlocked while
// its run lives.
func (s *Store) keep(c *Container, name string) error {
	if err := os.MkdirAll(s.path("kept"), 0o700); err != nil {
		return fmt.Errorf("kept containers' directory: %w", err)
	}
	fd, err := unix.Open(c.Dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("lock the container's directory: %w", err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		unix.Close(fd)
		return fmt.Errorf("lock the container's directory: %w", err)
	}
	dir := s.KeptDir(name)
	// renameat2 RENAME_NOREPLACE: a container kept meanwhile under the
	// same name (its run between our check and here) is never replaced.
	if err := unix.Renameat2(unix.AT_FDCWD, c.Dir, unix.AT_FDCWD, dir, unix.RENAME_NOREPLACE); err != nil {
		unix.Close(fd)
		if errors.Is(err, unix.EEXIST) {
			if err := s.nameFree(name); err != nil {
				return err
			}
			return fmt.Errorf("container name %s was taken while this run started: try again", name)
		}
		return fmt.Errorf("keep the container as %s: %w", dir, err)
	}
	c.Dir, c.Upper, c.Work, c.Name, c.lockFD = dir, dir+"/upper", dir+"/work", name, fd
	return nil
}

// locked reports whether a run holds a kept container's lock.
func locked(dir string) bool {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	return unix.Flock(fd, unix.LOCK_SH|unix.LOCK_NB) == unix.EWOULDBLOCK
}

func pidOf(owner string) string {
	p, _, _ := strings.Cut(owner, "-")
	return p
}

// ContainerInfo is a container of the store: a running one, or a kept one.
type ContainerInfo struct {
	Name    string // "" for a running container that is not kept
	Running bool
	PID     string // the run's PID while it runs
	ImageID string // "" for --overlay over a plain rootfs
	Ref     string // the image as run named it
	Dir     string // upper/ and work/ are in it
	Layers  []string
}

// Describe names the container for an error message.
func (c ContainerInfo) Describe() string {
	switch {
	case c.Name == "":
		return "a running container (run pid " + c.PID + ")"
	case c.Running:
		return fmt.Sprintf("container %s (running, run pid %s)", c.Name, c.PID)
	}
	return fmt.Sprintf("container %s (exited, kept: `mycontainer rm %s` removes it)", c.Name, c.Name)
}

// Containers lists the running containers and the kept ones, kept first
// by name. The caller holds the store's lock.
func (s *Store) containers() []ContainerInfo {
	var out []ContainerInfo
	kept, _ := os.ReadDir(s.path("kept"))
	for _, e := range kept {
		dir := s.path("kept", e.Name())
		u := readUses(dir)
		c := ContainerInfo{Name: e.Name(), Running: locked(dir), ImageID: u.imageID, Ref: u.ref, Dir: dir, Layers: u.layers}
		if c.Running {
			c.PID = pidOf(u.owner)
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	live, _ := os.ReadDir(s.path("containers"))
	for _, e := range live {
		if !ownerAlive(e.Name()) {
			continue
		}
		dir := s.path("containers", e.Name())
		u := readUses(dir)
		out = append(out, ContainerInfo{Running: true, PID: pidOf(e.Name()), ImageID: u.imageID, Ref: u.ref, Dir: dir, Layers: u.layers})
	}
	return out
}

// Containers lists the running and the kept containers.
func (s *Store) Containers() ([]ContainerInfo, error) {
	unlock, err := s.lock(false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	return s.containers(), nil
}

// RemoveContainer removes a kept container's files; a running one is
// refused.
func (s *Store) RemoveContainer(name string) error {
	if err := ValidName(name); err != nil {
		return err
	}
	unlock, err := s.lock(true)
	if err != nil {
		return err
	}
	defer unlock()
	dir := s.KeptDir(name)
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("container %s: no such kept container (mycontainer container ls lists them)", name)
	}
	if err != nil {
		return fmt.Errorf("container %s: %w", name, err)
	}
	defer unix.Close(fd)
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return fmt.Errorf("container %s is running (run pid %s): stop it first", name, pidOf(readUses(dir).owner))
	}
	// Rename first: a half-removed container is never listed; a removal
	// killed half-way leaves tmp/ debris that prune removes.
	dead := s.path("tmp", fmt.Sprintf("rm-%s-%d-x", name, os.Getpid()))
	if err := os.Rename(dir, dead); err != nil {
		return fmt.Errorf("remove container %s: %w", name, err)
	}
	if err := os.RemoveAll(dead); err != nil {
		return fmt.Errorf("remove container %s: %w", name, err)
	}
	return nil
}
