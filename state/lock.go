package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// Lock takes an exclusive flock on the container's directory <root>/<id>,
// blocking until it is free, so that commands on one container (even in
// different processes) run one at a time. flock belongs to the open file,
// so two Locks in one process also exclude each other. The lock dies with
// the process, so a killed runtime never leaves a container locked. It is
// the directory, not a lock file in it, because every file made and
// removed again costs inode allocations on each start (bench/).
//
// The container must exist (Lock does not create its directory, which
// would make a later Create fail). unlock is safe to call more than once.
func (s *Store) Lock(id string) (unlock func(), err error) {
	if err := ValidID(id); err != nil {
		return nil, err
	}
	path := s.Dir(id)
	for {
		f, err := os.OpenFile(path, os.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW, 0)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, notExist(id)
			}
			return nil, fmt.Errorf("container %q: lock: %w", id, err)
		}
		if err := flock(f, unix.LOCK_EX); err != nil {
			f.Close()
			return nil, fmt.Errorf("container %q: lock: %w", id, err)
		}
		// While we waited, the holder may have deleted the container (and
		// someone may have created it again). Our lock is then on a
		// removed directory that nobody else will ever contend for, so
		// check that the path still names the directory we locked.
		same, err := sameFile(f, path)
		if err == nil && same {
			return lockRelease(f), nil
		}
		f.Close()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, notExist(id)
			}
			return nil, fmt.Errorf("container %q: lock: %w", id, err)
		}
		// Replaced: retry on the new directory.
	}
}

func flock(f *os.File, how int) error {
	for {
		err := unix.Flock(int(f.Fd()), how)
		if err != unix.EINTR {
			return err
		}
	}
}

func sameFile(f *os.File, path string) (bool, error) {
	a, err := f.Stat()
	if err != nil {
		return false, err
	}
	b, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	return os.SameFile(a, b), nil
}
