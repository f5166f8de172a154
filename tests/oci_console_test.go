package tests

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// consoleSocket listens like conmon or the shim do, and returns the pty
// master the runtime sends over it with SCM_RIGHTS.
func consoleSocket(t *testing.T) (string, <-chan *os.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "console.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ch := make(chan *os.File, 1)
	go func() {
		c, err := l.AcceptUnix()
		if err != nil {
			close(ch)
			return
		}
		defer c.Close()
		buf, oob := make([]byte, 256), make([]byte, unix.CmsgSpace(4))
		_, oobn, _, _, err := c.ReadMsgUnix(buf, oob)
		if err != nil {
			close(ch)
			return
		}
		msgs, _ := unix.ParseSocketControlMessage(oob[:oobn])
		if len(msgs) == 1 {
			if fds, err := unix.ParseUnixRights(&msgs[0]); err == nil && len(fds) == 1 {
				ch <- os.NewFile(uintptr(fds[0]), "pty-master")
				return
			}
		}
		close(ch)
	}()
	return path, ch
}

func readUntil(t *testing.T, f *os.File, want string) string {
	t.Helper()
	var got strings.Builder
	buf := make([]byte, 1024)
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(got.String(), want) {
		if time.Now().After(deadline) {
			t.Fatalf("waited for %q; got %q", want, got.String())
		}
		_ = f.SetReadDeadline(time.Now().Add(time.Second))
		n, _ := f.Read(buf)
		got.Write(buf[:n])
	}
	return got.String()
}

// create with process.terminal hands the pty master to --console-socket;
// the container's output arrives on it after start.
func TestOCIConsoleSocket(t *testing.T) {
	e := newOCIEnv(t)
	sock, masters := consoleSocket(t)
	b := e.bundle(t, "tty", []string{"sh", "-c", "tty; echo ready; read line; echo got:$line"}, func(s *specs.Spec) {
		s.Process.Terminal = true
	})
	if r := e.oci(t, "create", "--bundle", b, "--console-socket", sock, "tty"); r.code != 0 {
		t.Fatalf("create: %d %s", r.code, r.stderr)
	}
	var master *os.File
	select {
	case master = <-masters:
	case <-time.After(10 * time.Second):
	}
	if master == nil {
		t.Fatal("no pty master arrived on the console socket")
	}
	defer master.Close()
	if r := e.oci(t, "start", "tty"); r.code != 0 {
		t.Fatalf("start: %s", r.stderr)
	}
	out := readUntil(t, master, "ready")
	if !strings.Contains(out, "/dev/pts/0") {
		t.Errorf("tty inside: %q", out)
	}
	if _, err := master.Write([]byte("hello\n")); err != nil {
		t.Fatal(err)
	}
	readUntil(t, master, "got:hello")
	waitFor(t, "stopped", func() bool { return e.status(t, "tty") == "stopped" })
	if r := e.oci(t, "delete", "tty"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
}

// exec with and without a tty, the tty one through --console-socket.
func TestOCIExecTTY(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "ext", []string{"sleep", "100"}, nil)
	if r := e.oci(t, "run", "-d", "--bundle", b, "ext"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	if r := e.oci(t, "exec", "ext", "sh", "-c", "tty; true"); !strings.Contains(r.stdout, "not a tty") {
		t.Errorf("exec without tty: %q", r.stdout)
	}
	sock, masters := consoleSocket(t)
	pidFile := filepath.Join(t.TempDir(), "exec.pid")
	if r := e.oci(t, "exec", "--tty", "--detach", "--console-socket", sock, "--pid-file", pidFile, "ext", "sh", "-c", "tty; sleep 1"); r.code != 0 {
		t.Fatalf("exec -t -d: %d %s", r.code, r.stderr)
	}
	var master *os.File
	select {
	case master = <-masters:
	case <-time.After(10 * time.Second):
	}
	if master == nil {
		t.Fatal("no pty master for exec")
	}
	defer master.Close()
	readUntil(t, master, "/dev/pts/")
	if b, err := os.ReadFile(pidFile); err != nil || len(b) == 0 {
		t.Errorf("exec pid file: %q %v", b, err)
	}
	if r := e.oci(t, "delete", "-f", "ext"); r.code != 0 {
		t.Errorf("delete -f: %s", r.stderr)
	}
}
