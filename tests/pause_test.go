package tests

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A paused container's processes do not run: the CPU time of a busy loop
// stays put while it is paused and grows again after resume. Pause is
// synchronous (it returns once the freezer says frozen), so the reads
// need no settling; the one fixed wait is the measurement window, in
// which a loop that was not frozen would run for all but a moment.
func TestPausedContainerDoesNotRun(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "busy", []string{"sh", "-c", "while :; do :; done"}, nil)
	if r := e.oci(t, "run", "--detach", "--bundle", b, "busy"); r.code != 0 {
		t.Fatalf("run -d: %d %s", r.code, r.stderr)
	}
	defer e.oci(t, "delete", "--force", "busy")
	pid := ociPid(t, e, "busy")
	start := cpuNS(t, pid)
	waitFor(t, "the loop to run", func() bool { return cpuNS(t, pid) > start })

	if r := e.oci(t, "pause", "busy"); r.code != 0 {
		t.Fatalf("pause: %d %s", r.code, r.stderr)
	}
	if s := e.status(t, "busy"); s != "paused" {
		t.Fatalf("after pause: %s", s)
	}
	frozen := cpuNS(t, pid)
	time.Sleep(300 * time.Millisecond)
	if now := cpuNS(t, pid); now != frozen {
		t.Errorf("paused, the loop still ran: CPU time %d ns, then %d ns", frozen, now)
	}

	if r := e.oci(t, "resume", "busy"); r.code != 0 {
		t.Fatalf("resume: %d %s", r.code, r.stderr)
	}
	if s := e.status(t, "busy"); s != "running" {
		t.Errorf("after resume: %s", s)
	}
	waitFor(t, "the loop to run again after resume", func() bool { return cpuNS(t, pid) > frozen })
}

// cpuNS is the CPU time pid has used, in ns: the first field of
// /proc/PID/schedstat, which counts every nanosecond on a CPU (utime and
// stime in /proc/PID/stat move in 10 ms ticks).
func cpuNS(t *testing.T, pid int) uint64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/schedstat", pid))
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		t.Fatalf("/proc/%d/schedstat: %q", pid, b)
	}
	n, err := strconv.ParseUint(f[0], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}
