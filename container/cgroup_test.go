package container

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"mycontainer/cgroups"
)

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0:                   "0 bytes",
		1:                   "1 bytes",
		1023:                "1023 bytes",
		1024:                "1 KiB",
		1536:                "1536 bytes", // not a whole number of KiB
		6 << 20:             "6 MiB",
		3 << 29:             "1536 MiB",
		1 << 30:             "1 GiB",
		5 << 40:             "5120 GiB",
		1<<30 + 1<<10:       "1048577 KiB",
		-1024:               "-1024 bytes",
		1<<63 - 1:           "9223372036854775807 bytes",
		(1<<63 - 1) &^ 1023: "9007199254740991 KiB",
	} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestDescribeMemory(t *testing.T) {
	for _, tc := range []struct {
		res  *cgroups.Resources
		want string
	}{
		{nil, " (no --memory was set: the limit of an enclosing cgroup)"},
		{&cgroups.Resources{}, " (no --memory was set: the limit of an enclosing cgroup)"},
		{&cgroups.Resources{Memory: 64 << 20}, " of 64 MiB (--memory 67108864)"},
	} {
		c := &Cgroup{Res: tc.res}
		if got := c.describeMemory(); got != tc.want {
			t.Errorf("describeMemory(%+v) = %q, want %q", tc.res, got, tc.want)
		}
	}
}

// uptimeTicks is the time since boot in clock ticks (USER_HZ, 100 on Linux).
func uptimeTicks(t *testing.T) float64 {
	b, err := os.ReadFile("/proc/uptime")
	if err != nil {
		t.Fatal(err)
	}
	s, err := strconv.ParseFloat(strings.Fields(string(b))[0], 64)
	if err != nil {
		t.Fatal(err)
	}
	return s * 100
}

func TestStartTimeSelf(t *testing.T) {
	st, err := startTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if up := uptimeTicks(t); st == 0 || float64(st) > up+100 { // /proc/uptime is rounded: allow a second
		t.Errorf("startTime(self) = %d ticks, uptime is %.0f", st, up)
	}
	if again, err := startTime(os.Getpid()); err != nil || again != st {
		t.Errorf("startTime(self) again = %d, %v; was %d", again, err, st)
	}
}

// The command name in /proc/PID/stat may hold spaces and parentheses; the
// fields are counted from the last ")".
func TestStartTimeHostileCommandName(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep:", err)
	}
	// The kernel names a process after the file it execs, here a link.
	link := filepath.Join(t.TempDir(), ") 1 2 (3) 4 5")
	if err := os.Symlink(sleep, link); err != nil {
		t.Fatal(err)
	}
	cmd := &exec.Cmd{Path: link, Args: []string{"sleep", "30"}}
	if err := cmd.Start(); err != nil {
		t.Skip("cannot run the renamed sleep:", err)
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	started := uptimeTicks(t)
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
	if !strings.Contains(string(b), "(3) 4 5") {
		t.Skipf("the kernel did not use the link's name: %q", b)
	}
	st, err := startTime(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	// It started just now: within a few seconds of the uptime read.
	if d := started - float64(st); d < -100 || d > 500 {
		t.Errorf("startTime = %d ticks, but the process started at about %.0f", st, started)
	}
}

func TestStartTimeErrors(t *testing.T) {
	if st, err := startTime(deadPID(t)); err == nil {
		t.Errorf("startTime of a dead process = %d", st)
	}
}

// deadPID returns the PID of a process that has exited and been reaped.
func deadPID(t *testing.T) int {
	t.Helper()
	cmd := exec.Command("/bin/true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run /bin/true:", err)
	}
	return cmd.Process.Pid
}

func TestRunAlive(t *testing.T) {
	self := os.Getpid()
	st, err := startTime(self)
	if err != nil {
		t.Fatal(err)
	}
	dead := deadPID(t)
	for id, want := range map[string]bool{
		fmt.Sprintf("run-%d-%d", self, st): true,
		// The PID is alive but is another process (PID reuse).
		fmt.Sprintf("run-%d-%d", self, st+1): false,
		fmt.Sprintf("run-%d-%d", dead, st):   false,
		"run-4194305-1":                      false, // above any pid_max
		// Not an id this runtime made: never swept.
		"run-x-1":   true,
		"run-1-x":   true,
		"run-1":     true,
		"run-1-2-3": true,
		"run--1-2":  true,
	} {
		if got := runAlive(id); got != want {
			t.Errorf("runAlive(%q) = %v, want %v", id, got, want)
		}
	}
}
