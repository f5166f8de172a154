package state

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// statLine builds a /proc/PID/stat line with the given comm and start time.
func statLine(comm, state, start string) string {
	f := []string{"123", "(" + comm + ")", state}
	for i := 4; i <= 52; i++ {
		switch i {
		case 22:
			f = append(f, start)
		default:
			f = append(f, "7")
		}
	}
	return strings.Join(f, " ") + "\n"
}

func TestParseStat(t *testing.T) {
	for _, comm := range []string{"sh", "a b", "x) 1 2 (y", ") S 1", "((", "))"} {
		st, err := parseStat([]byte(statLine(comm, "S", "987654321")))
		if err != nil {
			t.Fatalf("comm %q: %v", comm, err)
		}
		if st.start != 987654321 || st.state != 'S' {
			t.Errorf("comm %q: got %+v", comm, st)
		}
	}
	for _, bad := range []string{"", "1 (x", "1 (x) S 2 3", statLine("x", "S", "notnum")} {
		if _, err := parseStat([]byte(bad)); err == nil {
			t.Errorf("parseStat(%q) succeeded", bad)
		}
	}
}

// A real process whose comm has spaces and parentheses: comm comes from
// the name of the executed file, here a symlink to sleep.
func TestProcessStartTimeHostileComm(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	link := filepath.Join(t.TempDir(), "a) b (c) 9")
	if err := os.Symlink(sleep, link); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(link, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	comm, _ := os.ReadFile("/proc/" + itoa(cmd.Process.Pid) + "/comm")
	if string(comm) != "a) b (c) 9\n" {
		t.Fatalf("comm is %q; the test needs the hostile name", comm)
	}
	start, err := ProcessStartTime(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	self, err := ProcessStartTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if start < self {
		t.Errorf("child start %d before our own %d", start, self)
	}
	if !Alive(cmd.Process.Pid, start) {
		t.Error("child not alive with its own start time")
	}
}

func TestProcessStartTimeErrors(t *testing.T) {
	for _, pid := range []int{0, -1, 1 << 30} {
		if _, err := ProcessStartTime(pid); err == nil {
			t.Errorf("pid %d: no error", pid)
		}
		if Alive(pid, 1) {
			t.Errorf("pid %d alive", pid)
		}
	}
}

func TestZombieIsNotAlive(t *testing.T) {
	cmd := exec.Command("sh", "-c", "exit 0")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	pid := cmd.Process.Pid
	start, err := ProcessStartTime(pid)
	if err != nil {
		t.Fatal(err) // not reaped yet, so /proc/PID exists
	}
	deadline := time.Now().Add(5 * time.Second)
	for Alive(pid, start) && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if Alive(pid, start) {
		t.Error("exited, unreaped process still reported alive")
	}
	if _, err := ProcessStartTime(pid); err != nil {
		t.Errorf("zombie should still have a stat file: %v", err)
	}
	cmd.Wait()
}
