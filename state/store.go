package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

const (
	stateFile  = "state.json"
	configFile = "config.json"
	fifoFile   = "exec.fifo"
)

// ErrNotExist is matched (errors.Is) by every error about a container that
// has no state. Its text contains "does not exist" because engines (podman)
// look for that phrase to treat a container as already gone.
var ErrNotExist = errors.New("container does not exist")

// ErrExist is matched by the error of Create for an ID already in use.
var ErrExist = errors.New("container already exists")

// Store is the state directory given by --root.
type Store struct{ Root string }

// Open makes sure root exists (0700: state names PIDs and bundles that
// other users need not see) and returns a store on it. A root that is a
// symlink or not a directory is refused: the runtime runs as root and
// must not be steered into writing somewhere else. Symlinks in parent
// directories (/var/run -> /run) are fine.
func Open(root string) (*Store, error) {
	if root == "" {
		return nil, fmt.Errorf("state root: empty path")
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("state root %q: %w", root, err)
	}
	if abs == "/" {
		return nil, fmt.Errorf("state root must not be /")
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("state root: %w", err)
	}
	fi, err := os.Lstat(abs)
	if err != nil {
		return nil, fmt.Errorf("state root: %w", err)
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, fmt.Errorf("state root %s is a symlink; refusing it", abs)
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("state root %s is not a directory", abs)
	}
	return &Store{Root: abs}, nil
}

// Dir is the directory of container id. It does not validate id; every
// other method does, so only pass IDs that went through one of them.
func (s *Store) Dir(id string) string { return filepath.Join(s.Root, id) }

// ExecFifo is the path of the fifo that `create` blocks on until `start`.
func (s *Store) ExecFifo(id string) string { return filepath.Join(s.Dir(id), fifoFile) }

func notExist(id string) error {
	return fmt.Errorf("container %q does not exist: %w", id, ErrNotExist)
}

// Create is CreateLocked with the lock released at once.
func (s *Store) Create(st *State) error {
	unlock, err := s.CreateLocked(st)
	if err != nil {
		return err
	}
	unlock()
	return nil
}

// CreateLocked claims the ID and saves st, and returns with the
// container locked. The directory appears under its name in one step,
// already holding state.json and already locked: it is made under a
// hidden name, filled, and renamed with RENAME_NOREPLACE (the atomic
// test-and-set: of two concurrent creates exactly one wins). So a
// runtime SIGKILLed at any moment leaves either no container or one
// with a state that `delete --force` understands; a hidden directory it
// leaves is unlocked, which is how List knows to remove it (trash.go).
// A zero Created is set to now.
func (s *Store) CreateLocked(st *State) (unlock func(), err error) {
	if err := ValidID(st.ID); err != nil {
		return nil, err
	}
	if st.Created.IsZero() {
		st.Created = time.Now().UTC()
	}
	tmp := filepath.Join(s.Root, hiddenName(newPrefix, st.ID))
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return nil, fmt.Errorf("create container %q: %w", st.ID, err)
	}
	f, err := os.OpenFile(tmp, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
	if err == nil {
		err = flock(f, unix.LOCK_EX)
	}
	if err == nil && len(st.Config) > 0 {
		// Written once, here, while the directory is still hidden: the
		// container appears with its config or not at all.
		err = writeFile(filepath.Join(tmp, configFile), st.Config)
	}
	if err == nil {
		err = s.saveIn(tmp, st)
	}
	if err == nil {
		err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, s.Dir(st.ID), unix.RENAME_NOREPLACE)
		if errors.Is(err, unix.EEXIST) {
			err = fmt.Errorf("container %q already exists: %w", st.ID, ErrExist)
		} else if err != nil {
			err = fmt.Errorf("create container %q: claim the name: %w", st.ID, err)
		}
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		if f != nil {
			f.Close()
		}
		return nil, err
	}
	return lockRelease(f), nil
}

// Save writes state.json atomically: a temp file in the same directory
// (so rename stays on one filesystem), then rename over the old file. A
// concurrent Load sees either the old or the new state, never a torn one.
// There is no fsync, as in runc: the state lives under /run, which a
// reboot empties anyway, and every container process dies with the
// machine; on a disk-backed root an fsync cost milliseconds per start
// (bench/), three times per `run --bundle`. PID start times catch a
// state that a crash left stale.
func (s *Store) Save(st *State) error {
	if err := ValidID(st.ID); err != nil {
		return err
	}
	return s.saveIn(s.Dir(st.ID), st)
}

func (s *Store) saveIn(dir string, st *State) error {
	for name, p := range map[string]string{"bundle": st.Bundle, "rootfs": st.Rootfs} {
		if p != "" && !filepath.IsAbs(p) {
			return fmt.Errorf("container %q: %s path %q is not absolute", st.ID, name, p)
		}
	}
	// The config lives in its own file, written by CreateLocked: inside
	// state.json, encoding/json would scan all of it (~24 KB with
	// docker's seccomp profile) on every Save (it compacts a RawMessage)
	// and twice on every Load, three Saves and a few Loads per start.
	bare := *st
	bare.Config = nil
	data, err := json.Marshal(&bare)
	if err != nil {
		return fmt.Errorf("container %q: encode state: %w", st.ID, err)
	}
	// Plain syscalls, not os.CreateTemp: that also registers the file
	// with Go's poller, and this is on every start's path. The temp name
	// is unique per process; writers of one container hold its Lock.
	tmp := filepath.Join(dir, "."+stateFile+"."+strconv.Itoa(os.Getpid())+".tmp")
	if err := writeFile(tmp, data); err != nil {
		_ = unix.Unlink(tmp) // the failure below is what matters
		if errors.Is(err, unix.ENOENT) {
			return notExist(st.ID)
		}
		return fmt.Errorf("container %q: save state: %w", st.ID, err)
	}
	if err := unix.Rename(tmp, filepath.Join(dir, stateFile)); err != nil {
		_ = unix.Unlink(tmp)
		return fmt.Errorf("container %q: save state: %w", st.ID, err)
	}
	return nil
}

// writeFile creates path (it must not be a symlink) and writes data.
func writeFile(path string, data []byte) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_TRUNC|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	n, err := unix.Write(fd, data)
	if err == nil && n != len(data) {
		err = fmt.Errorf("short write: %d of %d bytes", n, len(data))
	}
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// Load reads the state of id. A missing directory and a directory whose
// state.json does not exist yet (Create in progress, or a Remove half
// done) are both ErrNotExist.
func (s *Store) Load(id string) (*State, error) {
	if err := ValidID(id); err != nil {
		return nil, err
	}
	path := filepath.Join(s.Dir(id), stateFile)
	data, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, notExist(id)
		}
		return nil, fmt.Errorf("container %q: read state: %w", id, err)
	}
	var st State
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("container %q: corrupt state file %s: %w", id, path, err)
	}
	if st.ID != id {
		return nil, fmt.Errorf("container %q: state file %s names container %q", id, path, st.ID)
	}
	if len(st.Config) == 0 { // a state written by an older build holds it
		cfg := filepath.Join(s.Dir(id), configFile)
		switch b, err := os.ReadFile(cfg); {
		case err == nil:
			st.Config = b
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("container %q: read its config %s: %w", id, cfg, err)
		}
	}
	return &st, nil
}

// Remove deletes the container's directory: it is first renamed to a
// hidden name, so the container vanishes from Load and List in one step
// even if the removal is interrupted (List removes such a leftover once
// nobody holds its lock: trash.go). A missing container is not an error,
// which is what `delete --force` needs. The caller holds the lock.
func (s *Store) Remove(id string) error {
	if err := ValidID(id); err != nil {
		return err
	}
	trash := filepath.Join(s.Root, hiddenName(delPrefix, id))
	if err := os.Rename(s.Dir(id), trash); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("container %q: remove state: %w", id, err)
	}
	// Retried: a failed Save's temp file may vanish behind RemoveAll's
	// back.
	var err error
	for range 3 {
		if err = os.RemoveAll(trash); err == nil {
			return nil
		}
	}
	return fmt.Errorf("container %q: remove state dir %s: %w", id, trash, err)
}

// List returns the state of every container, sorted by ID. Entries that
// are not container directories, or whose state cannot be read (being
// created or removed right now, or corrupt), are skipped: one broken
// container must not hide all the others from `list`.
func (s *Store) List() ([]*State, error) {
	entries, err := os.ReadDir(s.Root)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	s.emptyTrash(entries)
	var out []*State
	for _, e := range entries {
		if !e.IsDir() || ValidID(e.Name()) != nil {
			continue
		}
		st, err := s.Load(e.Name())
		if err != nil {
			continue
		}
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b *State) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}
