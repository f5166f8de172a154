package state

import (
	"os"
	"os/exec"
	"strconv"
	"testing"
)

func itoa(i int) string { return strconv.Itoa(i) }

func TestStatusTransitions(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Skip(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	pid := cmd.Process.Pid
	start, err := ProcessStartTime(pid)
	if err != nil {
		t.Fatal(err)
	}

	st := &State{ID: "c"}
	if got := st.Status(); got != StatusCreating {
		t.Errorf("no pid: %s", got)
	}
	st.Pid, st.PidStart = pid, start
	if got := st.Status(); got != StatusCreated {
		t.Errorf("alive, not started: %s", got)
	}
	st.Started = true
	if got := st.Status(); got != StatusRunning {
		t.Errorf("alive, started: %s", got)
	}

	// PID reuse: the PID is live but belongs to another process.
	reused := *st
	reused.PidStart = start + 1
	if got := reused.Status(); got != StatusStopped {
		t.Errorf("pid reuse (wrong start time): %s", got)
	}
	// Our own PID with a wrong start time is the same situation.
	other := &State{ID: "o", Pid: os.Getpid(), PidStart: 1, Started: true}
	if got := other.Status(); got != StatusStopped {
		t.Errorf("foreign live pid: %s", got)
	}
	// No recorded start time: never trusted.
	unknown := *st
	unknown.PidStart = 0
	if got := unknown.Status(); got != StatusStopped {
		t.Errorf("start 0: %s", got)
	}

	cmd.Process.Kill()
	cmd.Wait()
	if got := st.Status(); got != StatusStopped {
		t.Errorf("after kill: %s", got)
	}
}
