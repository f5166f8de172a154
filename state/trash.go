package state

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/sys/unix"
)

// Hidden directories in the state root are containers half made or half
// removed: ".new.<pid>.<n>.<id>" while CreateLocked fills one,
// ".del.<pid>.<n>.<id>" while Remove empties one. A SIGKILLed runtime
// leaves one behind; the PID in its name tells whether its maker is
// gone. A leading dot keeps them out of every ID (ValidID).
const (
	newPrefix = ".new."
	delPrefix = ".del."
)

var hiddenSeq atomic.Uint64

func hiddenName(prefix, id string) string {
	return prefix + strconv.Itoa(os.Getpid()) + "." + strconv.FormatUint(hiddenSeq.Add(1), 10) + "." + id
}

// emptyTrash removes the hidden directories whose runtime is dead. (A
// reused PID only delays the removal.) A failure is left for the next
// List: it hides no container.
func (s *Store) emptyTrash(entries []os.DirEntry) {
	for _, e := range entries {
		name := e.Name()
		rest, ok := strings.CutPrefix(name, newPrefix)
		if !ok {
			rest, ok = strings.CutPrefix(name, delPrefix)
		}
		if !ok || !e.IsDir() {
			continue
		}
		pidStr, _, _ := strings.Cut(rest, ".")
		pid, err := strconv.Atoi(pidStr)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if unix.Kill(pid, 0) == unix.ESRCH {
			_ = os.RemoveAll(filepath.Join(s.Root, name))
		}
	}
}

// lockRelease is the unlock function for a flocked directory.
func lockRelease(f *os.File) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			// Unlock explicitly: a child forked but not yet exec'd may
			// briefly share the descriptor.
			_ = flock(f, unix.LOCK_UN)
			f.Close()
		})
	}
}
