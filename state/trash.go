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
// removed: ".new.<pid>-<start>.<n>.<id>" while CreateLocked fills one,
// ".del.<pid>-<start>.<n>.<id>" while Remove empties one. A SIGKILLed
// runtime leaves one behind; the PID with its start time (field 22 of
// /proc/PID/stat) tells whether its maker is gone, even once the PID is
// reused (make soak: over 5000 runs the PIDs wrapped and a live process
// held one such PID). A leading dot keeps them out of every ID (ValidID).
const (
	newPrefix = ".new."
	delPrefix = ".del."
)

var (
	hiddenSeq  atomic.Uint64
	selfOnce   sync.Once
	selfMarker string // "<pid>-<start>" of this process
)

func hiddenName(prefix, id string) string {
	selfOnce.Do(func() {
		pid := os.Getpid()
		start, _ := ProcessStartTime(pid) // 0 if unreadable: then only the PID counts
		selfMarker = strconv.Itoa(pid) + "-" + strconv.FormatUint(start, 10)
	})
	return prefix + selfMarker + "." + strconv.FormatUint(hiddenSeq.Add(1), 10) + "." + id
}

// emptyTrash removes the hidden directories whose runtime is dead. A
// failure is left for the next List: it hides no container.
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
		maker, _, _ := strings.Cut(rest, ".")
		if makerAlive(maker) {
			continue
		}
		_ = os.RemoveAll(filepath.Join(s.Root, name))
	}
}

// makerAlive reads "<pid>-<start>" (or a bare "<pid>", whose reuse only
// delays the removal). Anything unreadable counts as alive: never remove
// what might be someone's work in progress.
func makerAlive(maker string) bool {
	pidStr, startStr, hasStart := strings.Cut(maker, "-")
	pid, err := strconv.Atoi(pidStr)
	if err != nil || pid <= 0 {
		return true
	}
	if pid == os.Getpid() {
		return true
	}
	if start, err := strconv.ParseUint(startStr, 10, 64); hasStart && err == nil && start != 0 {
		return Alive(pid, start)
	}
	return unix.Kill(pid, 0) != unix.ESRCH
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
