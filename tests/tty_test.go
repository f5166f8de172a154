package tests

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ptyPair opens a pty for the test to play the user's terminal.
func ptyPair(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// terminal reads what the container writes, in the background.
type terminal struct {
	master *os.File
	buf    bytes.Buffer
	ch     chan []byte
}

func newTerminal(master *os.File) *terminal {
	term := &terminal{master: master, ch: make(chan []byte, 64)}
	go func() {
		for {
			b := make([]byte, 4096)
			n, err := master.Read(b)
			if n > 0 {
				term.ch <- b[:n]
			}
			if err != nil {
				close(term.ch)
				return
			}
		}
	}()
	return term
}

// expect waits until the output so far contains want.
func (term *terminal) expect(t *testing.T, want string) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for !strings.Contains(term.buf.String(), want) {
		select {
		case b, ok := <-term.ch:
			if !ok {
				t.Fatalf("terminal closed before %q; got %q", want, term.buf.String())
			}
			term.buf.Write(b)
		case <-deadline:
			t.Fatalf("waited for %q; got %q", want, term.buf.String())
		}
	}
	// Consume up to the match, so the next expect looks for new output.
	rest := term.buf.String()[strings.Index(term.buf.String(), want)+len(want):]
	term.buf.Reset()
	term.buf.WriteString(rest)
}

func (term *terminal) send(t *testing.T, s string) {
	t.Helper()
	if _, err := term.master.WriteString(s); err != nil {
		t.Fatal(err)
	}
}

// An interactive busybox sh on a pty: it is PID 1 with the pty as its
// controlling terminal, job control works, the size follows SIGWINCH,
// and the caller's terminal mode is restored afterwards.
func TestTTYInteractiveShell(t *testing.T) {
	before := snapshot(t)
	master, slave := ptyPair(t)
	if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 30, Col: 100}); err != nil {
		t.Fatal(err)
	}
	modeBefore, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "run", "--rootfs", rootfs, "--", "sh")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	// Like a login shell: its own session, the test's pty as controlling
	// terminal, so SIGWINCH reaches it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	term := newTerminal(master)

	term.send(t, "echo $((6*7)); tty; echo $$; stty size\n")
	term.expect(t, "42")
	term.expect(t, "/dev/pts/0")
	term.expect(t, "\n1\r\n")
	term.expect(t, "30 100")

	// The host terminal is raw while the container runs.
	mode, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if mode.Lflag&(unix.ICANON|unix.ECHO|unix.ISIG) != 0 {
		t.Errorf("caller's terminal is not raw while the container runs: lflag %#x", mode.Lflag)
	}

	// Job control: ^Z stops the foreground job, fg/kill work on it.
	m := marker()
	term.send(t, "sleep 1"+m+"\n")
	// ^Z only once sleep runs as the terminal's foreground job: its
	// process group is the tty's foreground group (stat fields 5 and 8).
	waitFor(t, "sleep to run in the foreground", func() bool {
		for _, pid := range processesWith("sleep\x001" + m) {
			if f := statFields(pid); len(f) > 5 && f[2] == f[5] {
				return true
			}
		}
		return false
	})
	term.send(t, "\x1a")
	term.expect(t, "Stopped")
	term.send(t, "jobs; kill -9 %1; echo killed-job\n")
	term.expect(t, "killed-job")

	// SIGWINCH resizes the container's pty.
	if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: 40, Col: 120}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the resize to reach the container", func() bool {
		term.send(t, "stty size\n")
		time.Sleep(50 * time.Millisecond)
		for {
			select {
			case b := <-term.ch:
				term.buf.Write(b)
				continue
			default:
			}
			break
		}
		return strings.Contains(term.buf.String(), "40 120")
	})

	term.send(t, "exit 5\n")
	if code := exitCode(t, cmd.Wait()); code != 5 {
		t.Errorf("exit %d, want 5", code)
	}
	after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *modeBefore {
		t.Errorf("terminal mode not restored:\nbefore %+v\nafter  %+v", modeBefore, after)
	}
	before.assertClean(t, "")
}

// The terminal is restored even when the container ends by a signal.
func TestTTYRestoredAfterSignal(t *testing.T) {
	master, slave := ptyPair(t)
	modeBefore, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, "run", "--rootfs", rootfs, "--tty", "--", "sh", "-c", "trap 'exit 9' TERM; echo ready; while :; do sleep 0.1; done")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	term := newTerminal(master)
	term.expect(t, "ready")
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if code := exitCode(t, cmd.Wait()); code != 9 {
		t.Errorf("exit %d, want 9", code)
	}
	after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *modeBefore {
		t.Errorf("terminal mode not restored after SIGTERM")
	}
}

// --no-tty on a terminal: no pty, the caller's fds are used directly.
func TestNoTTY(t *testing.T) {
	// stdin is a terminal, so without --no-tty a pty would be made: the
	// flag, not the harness's /dev/null stdin, must be what turns it off.
	master, slave := ptyPair(t)
	defer master.Close()
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	for _, c := range []struct {
		flag, want string
	}{{"--no-tty", "not a tty"}, {"--tty", "/dev/pts/0"}} {
		if err := out.Truncate(0); err != nil {
			t.Fatal(err)
		}
		if _, err := out.Seek(0, 0); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(binary, "run", "--rootfs", rootfs, c.flag, "--", "sh", "-c", "tty; true")
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, out, out
		if err := cmd.Run(); err != nil {
			t.Fatalf("%s: %v", c.flag, err)
		}
		b, _ := os.ReadFile(out.Name())
		if !strings.Contains(string(b), c.want) {
			t.Errorf("%s with a terminal on stdin: got %q, want %q", c.flag, b, c.want)
		}
	}
}

// statFields is /proc/PID/stat after the command name: field 3 (the
// state) first, so field N of proc(5) is at index N-3.
func statFields(pid string) []string {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil
	}
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return nil
	}
	return strings.Fields(string(b[i+1:]))
}
