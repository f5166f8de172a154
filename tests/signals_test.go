package tests

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startContainer starts the runtime in the background and waits until the
// container prints "ready" on stdout.
func startContainer(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	// A container that outlives the runtime holds the pipes open; fail
	// then instead of hanging in Wait.
	cmd.WaitDelay = 10 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if strings.TrimSpace(line) != "ready" {
		t.Fatalf("container did not get ready: %q %v, stderr %q", line, err, stderr.String())
	}
	return cmd, &stderr
}

func waitCode(t *testing.T, cmd *exec.Cmd) int {
	t.Helper()
	return exitCode(t, cmd.Wait())
}

// SIGTERM to the runtime reaches a PID 1 that handles it.
func TestSignalTermStopsHandlingPID1(t *testing.T) {
	before := snapshot(t)
	m := marker()
	cmd, _ := startContainer(t, "run", "--rootfs", rootfs, "--", "sh", "-c",
		"trap 'exit 7' TERM; echo ready; while :; do sleep 0."+m+"; done")
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitCode(t, cmd); code != 7 {
		t.Errorf("exit %d, want 7 from the trap", code)
	}
	before.assertClean(t, m)
}

// Every forwarded signal reaches PID 1, SIGURG never does.
func TestSignalForwarding(t *testing.T) {
	m := marker()
	script := "for s in INT HUP QUIT USR1 USR2 URG; do trap \"echo got-$s\" $s; done; trap 'echo got-TERM; exit 0' TERM; echo ready; while :; do sleep 0." + m + "; done"
	cmd := exec.Command(binary, "run", "--rootfs", rootfs, "--", "sh", "-c", script)
	var out bytes.Buffer
	pr, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	rd := bufio.NewReader(pr)
	expect := func(want string) {
		line, err := rd.ReadString('\n')
		if strings.TrimSpace(line) != want {
			t.Fatalf("got %q (%v), want %q", line, err, want)
		}
		out.WriteString(line)
	}
	expect("ready")
	for _, s := range []syscall.Signal{syscall.SIGINT, syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGUSR1, syscall.SIGUSR2} {
		// Go delivers SIGURG to itself at will; send one too, to check it
		// is never passed on.
		_ = cmd.Process.Signal(syscall.SIGURG)
		if err := cmd.Process.Signal(s); err != nil {
			t.Fatal(err)
		}
		expect("got-" + strings.TrimPrefix(sigName(s), "SIG"))
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	expect("got-TERM")
	if code := waitCode(t, cmd); code != 0 {
		t.Errorf("exit %d", code)
	}
	if strings.Contains(out.String(), "got-URG") {
		t.Errorf("SIGURG was forwarded:\n%s", out.String())
	}
}

func sigName(s syscall.Signal) string {
	return map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGHUP: "SIGHUP", syscall.SIGQUIT: "SIGQUIT",
		syscall.SIGUSR1: "SIGUSR1", syscall.SIGUSR2: "SIGUSR2"}[s]
}

// With --init, SIGTERM ends even a command that ignores it as PID 1
// (sleep has no handler; as PID 2 the default action applies).
func TestInitSIGTERMAlwaysEnds(t *testing.T) {
	before := snapshot(t)
	m := marker()
	cmd, _ := startContainer(t, "run", "--rootfs", rootfs, "--init", "--", "sh", "-c", "echo ready; exec sleep 1"+m)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := waitCode(t, cmd); code != 128+15 {
		t.Errorf("exit %d, want 143", code)
	}
	before.assertClean(t, m)
}

// SIGINT to the runtime: PID 1 handles it and the runtime cleans up.
func TestSignalIntCleansUp(t *testing.T) {
	before := snapshot(t)
	m := marker()
	cmd, _ := startContainer(t, "run", "--rootfs", rootfs, "--", "sh", "-c", "trap 'exit 130' INT; echo ready; while :; do sleep 0."+m+"; done")
	_ = cmd.Process.Signal(syscall.SIGINT)
	if code := waitCode(t, cmd); code != 130 {
		t.Errorf("exit %d, want 130", code)
	}
	before.assertClean(t, m)
}

// SIGKILL of PID 1 from the host: exit 137 and nothing left.
func TestSIGKILLOfPID1(t *testing.T) {
	before := snapshot(t)
	m := marker()
	cmd, _ := startContainer(t, "run", "--rootfs", rootfs, "--", "sh", "-c", "sleep 1"+m+" & echo ready; wait")
	pid := containerInit(t, cmd.Process.Pid)
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if code := waitCode(t, cmd); code != 137 {
		t.Errorf("exit %d, want 137", code)
	}
	before.assertClean(t, m)
}

// If the runtime itself is SIGKILLed, the container dies with it.
func TestRuntimeSIGKILLTakesContainerDown(t *testing.T) {
	// -u 1000: the uid change clears the parent-death signal (kernel
	// rule); init must arm it again after it (init/creds.go).
	for _, user := range [][]string{nil, {"-u", "1000"}} {
		before := snapshot(t)
		m := marker()
		args := append(append([]string{"run", "--rootfs", rootfs}, user...), "--", "sh", "-c", "echo ready; exec sleep 1"+m)
		cmd, _ := startContainer(t, args...)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		before.assertClean(t, m)
	}
	// The dead run's cgroup is the next run's to sweep (README, Clean-up):
	// run once more, so the test leaves nothing even when run alone.
	if r := inRootfs(t, nil, "true"); r.code != 0 {
		t.Errorf("the sweeping run: exit %d: %s", r.code, r.stderr)
	}
}
