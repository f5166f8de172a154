package tests

import (
	encbin "encoding/binary"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// startContainer hooks run in the container right before the command,
// so under the container's seccomp filter, as the spec's order implies
// and runc does: a syscall the profile denies fails in the hook too.
func TestRuncStartContainerHookUnderSeccomp(t *testing.T) {
	e := newOCIEnv(t)
	out := t.TempDir()
	if err := os.Chmod(out, 0o777); err != nil {
		t.Fatal(err)
	}
	eperm := uint(1)
	b := e.bundle(t, "hooksc", []string{"true"}, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/out", Type: "bind", Source: out, Options: []string{"rbind", "rw"}})
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow,
			Syscalls:      []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eperm}},
		}
		s.Hooks = &specs.Hooks{StartContainer: []specs.Hook{{
			Path: "/bin/sh",
			Args: []string{"sh", "-c", "mkdir /out/made-by-hook 2>/out/err; echo $? >/out/rc"},
		}}}
	})
	if r := e.oci(t, "run", "-b", b, "hooksc"); r.code != 0 {
		t.Fatalf("run: exit %d %q", r.code, r.stderr)
	}
	rc, err := os.ReadFile(filepath.Join(out, "rc"))
	if err != nil {
		t.Fatalf("the startContainer hook did not run: %v", err)
	}
	if _, err := os.Stat(filepath.Join(out, "made-by-hook")); err == nil || strings.TrimSpace(string(rc)) == "0" {
		msg, _ := os.ReadFile(filepath.Join(out, "err"))
		t.Errorf("the hook's mkdir succeeded (rc %q, %q): the hook ran outside the container's seccomp filter", rc, msg)
	}
}

// SCMP_ACT_NOTIFY: the runtime connects to linux.seccomp.listenerPath and
// sends the ContainerProcessState with the filter's listener fd, as the
// runtime-spec says; a small agent here answers the container's mkdir
// with EXDEV, which the container then sees.
func TestRuncSeccompNotifyAgent(t *testing.T) {
	e := newOCIEnv(t)
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ag := startSeccompAgent(t, sock, unix.EXDEV)
	m := marker()
	b := e.bundle(t, "notif", []string{"sh", "-c", "mkdir /tmp/notified" + m + "; echo rc=$?"}, func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow, ListenerPath: sock, ListenerMetadata: "meta-" + m,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
		}
	})
	r := e.oci(t, "run", "-b", b, "notif")
	if r.code != 0 || !strings.Contains(r.stdout, "rc=1") || !strings.Contains(r.stderr+r.stdout, "cross-device") {
		t.Errorf("run with a notify profile: exit %d %q %q; want mkdir to fail with the agent's EXDEV", r.code, r.stdout, r.stderr)
	}
	st := ag.wait(t)
	if st == nil {
		return
	}
	if st.Version == "" || len(st.Fds) != 1 || st.Fds[0] != specs.SeccompFdName || st.Metadata != "meta-"+m ||
		st.Pid <= 0 || st.State.ID != "notif" || st.State.Pid != st.Pid || st.State.Bundle != b {
		t.Errorf("the agent's message: %+v", st)
	}
	if ag.answered() == 0 {
		t.Error("the agent answered no notification")
	}

	// create, then start, as engines call it: the create's connection
	// waits in init until the filter is loaded after start.
	sock2 := filepath.Join(t.TempDir(), "agent.sock")
	ag2 := startSeccompAgent(t, sock2, unix.EXDEV)
	out := t.TempDir()
	b2 := e.bundle(t, "notif2", []string{"sh", "-c", "(mkdir /tmp/notified" + m + "; echo rc=$?) >/out/res 2>&1"}, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/out", Type: "bind", Source: out, Options: []string{"rbind", "rw"}})
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow, ListenerPath: sock2,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
		}
	})
	if r := e.oci(t, "create", "-b", b2, "notif2"); r.code != 0 {
		t.Fatalf("create with a notify profile: exit %d %q", r.code, r.stderr)
	}
	if r := e.oci(t, "start", "notif2"); r.code != 0 {
		t.Fatalf("start: exit %d %q", r.code, r.stderr)
	}
	waitFor(t, "notif2 stopped", func() bool { return e.status(t, "notif2") == "stopped" })
	if r := e.oci(t, "delete", "notif2"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
	res, _ := os.ReadFile(filepath.Join(out, "res"))
	if !strings.Contains(string(res), "rc=1") || !strings.Contains(string(res), "cross-device") {
		t.Errorf("create/start with a notify profile: the process printed %q; want mkdir failing with the agent's EXDEV", res)
	}
	if st := ag2.wait(t); st != nil && (st.State.ID != "notif2" || st.Pid <= 0) {
		t.Errorf("the agent's message after create/start: %+v", st)
	}
	// An exec's process gets a listener of its own, sent to the agent the
	// same way, with its own PID and the container's state.
	sock4 := filepath.Join(t.TempDir(), "agent.sock")
	ag4 := startSeccompAgent(t, sock4, unix.EXDEV)
	b4 := e.bundle(t, "notif4", []string{"sleep", "100"}, func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow, ListenerPath: sock4,
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
		}
	})
	if r := e.oci(t, "run", "-d", "-b", b4, "notif4"); r.code != 0 {
		t.Fatalf("run -d with a notify profile: exit %d %q", r.code, r.stderr)
	}
	r = e.oci(t, "exec", "notif4", "sh", "-c", "mkdir /tmp/notified"+m+" 2>&1; echo rc=$?")
	if r.code != 0 || !strings.Contains(r.stdout, "rc=1") || !strings.Contains(r.stdout, "cross-device") {
		t.Errorf("exec in a notify container: exit %d %q %q; want mkdir failing with the agent's EXDEV", r.code, r.stdout, r.stderr)
	}
	if r := e.oci(t, "delete", "--force", "notif4"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
	// Each arrives when its filter has no users left: the exec's first.
	ctr, ex := ag4.wait(t), ag4.wait(t)
	if ctr != nil && ex != nil {
		if ctr.Pid != ctr.State.Pid {
			ctr, ex = ex, ctr
		}
		if ex.State.Pid != ctr.Pid || ex.Pid == ctr.Pid || ex.State.Status != "running" || ex.State.ID != "notif4" {
			t.Errorf("the exec's agent message: %+v (the container's: %+v)", ex, ctr)
		}
	}

	b3 := e.bundle(t, "notif3", []string{"sleep", "100"}, func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActAllow, ListenerPath: filepath.Join(t.TempDir(), "none.sock"),
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActNotify}},
		}
	})
	if r := e.oci(t, "run", "-d", "-b", b3, "notif3"); r.code != 1 || !strings.Contains(r.stderr, "seccomp agent") {
		t.Errorf("run -d with no agent at listenerPath: exit %d %q; want 1 naming the agent", r.code, r.stderr)
	}
}

type seccompAgent struct {
	states  chan *specs.ContainerProcessState
	mu      sync.Mutex
	handled int
	ln      *net.UnixListener
}

// startSeccompAgent listens at sock and, for each connection, takes the
// state and the listener fd and answers every notification with -errno
// until the filter has no users left.
func startSeccompAgent(t *testing.T, sock string, errno unix.Errno) *seccompAgent {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	a := &seccompAgent{states: make(chan *specs.ContainerProcessState, 8), ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			conn, err := ln.AcceptUnix()
			if err != nil {
				return
			}
			go a.take(conn, errno)
		}
	}()
	return a
}

func (a *seccompAgent) take(conn *net.UnixConn, errno unix.Errno) {
	var st *specs.ContainerProcessState
	defer func() { a.states <- st }()
	defer conn.Close()
	buf, oob := make([]byte, 16<<10), make([]byte, unix.CmsgSpace(4*4))
	n, oobn, _, _, err := conn.ReadMsgUnix(buf, oob)
	if err != nil {
		return
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil || len(msgs) != 1 {
		return
	}
	fds, err := unix.ParseUnixRights(&msgs[0])
	if err != nil || len(fds) != 1 {
		return
	}
	defer unix.Close(fds[0])
	st = &specs.ContainerProcessState{}
	if json.Unmarshal(buf[:n], st) != nil {
		st = nil
		return
	}
	a.serve(fds[0], errno)
}

// serve answers notifications (struct seccomp_notif: id at 0, 80 bytes;
// seccomp_notif_resp: id, val, error, flags, 24 bytes).
func (a *seccompAgent) serve(fd int, errno unix.Errno) {
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 10000)
		if err == unix.EINTR {
			continue
		}
		if err != nil || n == 0 || pfd[0].Revents&unix.POLLIN == 0 {
			return // no users left (POLLHUP), or nothing for 10 s
		}
		var req [80]byte
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_RECV, uintptr(unsafe.Pointer(&req[0]))); e != 0 {
			if e == unix.EINTR || e == unix.ENOENT {
				continue
			}
			return
		}
		var resp [24]byte
		copy(resp[0:8], req[0:8])
		encbin.NativeEndian.PutUint32(resp[16:20], uint32(-int32(errno)))
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SECCOMP_IOCTL_NOTIF_SEND, uintptr(unsafe.Pointer(&resp[0]))); e == 0 {
			a.mu.Lock()
			a.handled++
			a.mu.Unlock()
		}
	}
}

// wait returns the state of the next connection the agent served to
// its end.
func (a *seccompAgent) wait(t *testing.T) *specs.ContainerProcessState {
	t.Helper()
	select {
	case st := <-a.states:
		if st == nil {
			t.Error("the seccomp agent got no state and listener fd")
		}
		return st
	case <-time.After(30 * time.Second):
		t.Error("the seccomp agent got nothing, or still serves 30 s after the container ended")
		return nil
	}
}

func (a *seccompAgent) answered() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.handled
}

// The limits of the SCMP_ACT_NOTIFY hand-over, refused when create reads
// the config rather than found at start: a rule that notifies sendmsg
// (the call that hands the listener to the agent) would stop init's
// thread on a notification only it could answer, so run hung for good;
// an agent message larger than init's start frame cannot be sent. Each is
// a one-line error naming the field or the limit, and nothing is left.
func TestRuncSeccompNotifyHandOverLimits(t *testing.T) {
	e := newOCIEnv(t)
	sock := filepath.Join(t.TempDir(), "agent.sock")
	ag := startSeccompAgent(t, sock, unix.EXDEV)
	for _, c := range []struct {
		name string
		edit func(*specs.Spec)
		want []string
	}{
		{"notify-sendmsg", func(s *specs.Spec) {
			s.Linux.Seccomp.Syscalls = []specs.LinuxSyscall{{Names: []string{"mkdirat", "sendmsg"}, Action: specs.ActNotify}}
		}, []string{"linux.seccomp.syscalls[0].names[1]", "sendmsg"}},
		{"notify-futex", func(s *specs.Spec) {
			s.Linux.Seccomp.Syscalls = []specs.LinuxSyscall{{Names: []string{"futex"}, Action: specs.ActNotify}}
		}, []string{"linux.seccomp.syscalls[0].names[0]", "futex"}},
		{"large-message", func(s *specs.Spec) {
			s.Annotations = map[string]string{"big": strings.Repeat("x", 7<<10)}
		}, []string{"seccomp agent's message", "bytes, more than"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := e.bundle(t, "nl", []string{"sh", "-c", "echo RAN"}, func(s *specs.Spec) {
				s.Linux.Seccomp = &specs.LinuxSeccomp{
					DefaultAction: specs.ActAllow, ListenerPath: sock,
					Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdirat"}, Action: specs.ActNotify}},
				}
				c.edit(s)
			})
			before := snapshot(t)
			r := runWithin(t, 20*time.Second, "--root", e.root, "run", "-b", b, "nl")
			if r.code == 0 || strings.Contains(r.stdout, "RAN") {
				t.Errorf("exit %d, %q: the container ran", r.code, r.stdout)
			}
			for _, w := range c.want {
				if !strings.Contains(r.stderr, w) {
					t.Errorf("error %q does not say %q", r.stderr, w)
				}
			}
			if n := strings.Count(strings.TrimSpace(r.stderr), "\n"); n > 0 {
				t.Errorf("want one line of error, got %d: %q", n+1, r.stderr)
			}
			before.assertClean(t, "")
			if got := e.oci(t, "list", "-q"); strings.TrimSpace(got.stdout) != "" {
				t.Errorf("left in the store: %q", got.stdout)
			}
		})
	}
	if n := ag.answered(); n != 0 {
		t.Errorf("the agent answered %d notifications: a refused config reached it", n)
	}
}
