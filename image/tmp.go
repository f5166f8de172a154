package image

import (
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// sweepTmp removes what a killed pull left in tmp/: entries named with a
// PID (NAME-PID-RANDOM) whose process is gone. Lock files stay: they are
// empty, and removing one a waiter holds would let two writers in.
func (s *Store) sweepTmp() {
	ents, err := os.ReadDir(s.path("tmp"))
	if err != nil {
		return
	}
	for _, e := range ents {
		parts := strings.Split(e.Name(), "-")
		if len(parts) < 3 || strings.HasSuffix(e.Name(), ".lock") {
			continue
		}
		pid, err := strconv.Atoi(parts[len(parts)-2])
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if unix.Kill(pid, 0) == unix.ESRCH {
			os.RemoveAll(s.path("tmp", e.Name()))
		}
	}
}
