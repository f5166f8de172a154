package tests

import (
	"bufio"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"mycontainer/cgroups"
	"mycontainer/container"
)

// waitCodeWithin waits for the runtime, failing the test if it has not
// exited within d: a hang detector, not a timing assertion. On a hang the
// runtime is SIGKILLed, its container dies with it (PDEATHSIG), and the
// cgroup it leaves is swept as the next run would.
func waitCodeWithin(t *testing.T, cmd *exec.Cmd, d time.Duration) int {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		return exitCode(t, err)
	case <-time.After(d):
		_ = cmd.Process.Kill()
		<-done
		if mode, err := cgroups.DetectMode(); err == nil {
			_ = container.SweepDeadRuns(mode, os.Getenv("MYCONTAINER_CGROUP_PARENT"))
		}
		t.Fatalf("the runtime was still running %v after the stop signal", d)
		return -1
	}
}

// Attack: a PID 1 without a SIGTERM handler (here sleep) never sees the
// forwarded SIGTERM (the kernel drops it), so the runtime waited for ever.
// With --stop-timeout it kills the container and exits 137.
func TestStopTimeoutKillsPID1IgnoringSIGTERM(t *testing.T) {
	before := snapshot(t)
	m := marker()
	cmd, stderr := startContainer(t, "run", "--rootfs", rootfs, "--stop-timeout", "1", "--", "sh", "-c", "echo ready; exec sleep 1"+m)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitCodeWithin(t, cmd, 30*time.Second); code != 137 {
		t.Errorf("exit %d, want 137 (SIGKILL), stderr %q", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "did not stop within 1s of SIGTERM") {
		t.Errorf("stderr does not say why the container was killed: %q", stderr.String())
	}
	before.assertClean(t, m)
}

// Attack: with --init the command is PID 2 and may ignore SIGTERM itself
// (SIG_IGN survives exec); the escalation must reach it too.
func TestStopTimeoutKillsInitCommandIgnoringSIGTERM(t *testing.T) {
	before := snapshot(t)
	m := marker()
	cmd, stderr := startContainer(t, "run", "--rootfs", rootfs, "--init", "--stop-timeout", "1", "--", "sh", "-c", "trap '' TERM; echo ready; exec sleep 1"+m)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitCodeWithin(t, cmd, 30*time.Second); code != 137 {
		t.Errorf("exit %d, want 137 (SIGKILL), stderr %q", code, stderr.String())
	}
	before.assertClean(t, m)
}

// Attack: the user gives up waiting and presses Ctrl-C again. With
// --stop-timeout=-1 only the repeated SIGINT can end the container, whose
// PID 1 handles SIGINT without exiting. The test waits until the first
// SIGINT was handled, so the two cannot merge while pending.
func TestSecondCtrlCKillsAtOnce(t *testing.T) {
	before := snapshot(t)
	m := marker()
	cmd := exec.Command(binary, "run", "--rootfs", rootfs, "--stop-timeout=-1", "--", "sh", "-c",
		"trap 'echo got-INT' INT; echo ready; while :; do sleep 0."+m+"; done")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(out)
	for _, want := range []string{"ready", "got-INT"} {
		if want == "got-INT" {
			if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
				t.Fatal(err)
			}
		}
		if line, err := rd.ReadString('\n'); strings.TrimSpace(line) != want {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("got %q (%v), want %q; stderr %q", line, err, want, stderr.String())
		}
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if code := waitCodeWithin(t, cmd, 30*time.Second); code != 137 {
		t.Errorf("exit %d, want 137 (SIGKILL), stderr %q", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "second SIGINT") {
		t.Errorf("stderr does not say the second SIGINT killed it: %q", stderr.String())
	}
	before.assertClean(t, m)
}
