package nsexec

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"testing"

	"golang.org/x/sys/unix"
)

// runConstructor re-executes this test binary with a sync socket: its C
// constructor (linked in with this package) reads b as the bootstrap. The
// cases below all fail while decoding, before anything is cloned, so the
// constructor never returns into the test binary's main.
func runConstructor(t *testing.T, b []byte) (path string, errno uint32, code int) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[0])
	child := os.NewFile(uintptr(fds[1]), "stage-1 end")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), envInitPipe+"=3")
	cmd.ExtraFiles = []*os.File{child}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	child.Close()
	if err := unix.Sendmsg(fds[0], b, nil, nil, 0); err != nil {
		t.Fatal(err)
	}
	msg, _, err := Recv(fds[0])
	werr := cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(werr, &ee) {
		t.Fatalf("constructor: %v, want it to fail", werr)
	}
	if err != nil || msg == nil {
		t.Fatalf("no error report (%v); exit %d", err, ee.ExitCode())
	}
	typ, attrs, err := ParseFrame(msg)
	if err != nil || typ != MsgError {
		t.Fatalf("report of type %d: %v", typ, err)
	}
	for _, a := range attrs {
		switch a.Type {
		case LPath:
			path = a.String()
		case LErrno:
			errno, _ = a.U32()
		}
	}
	return path, errno, ee.ExitCode()
}

// C fails on an attribute of its own range that it does not know, skips
// the Go-only range, and reads flags through its table (proto.h).
func TestConstructorUnknownAttributeRule(t *testing.T) {
	for _, tc := range []struct {
		name  string
		b     []byte
		path  string
		errno unix.Errno
	}{
		{"unknown C-range attribute", frame(MsgBootstrap, attr(aGoFirst-1, 4, make([]byte, 4))),
			fmt.Sprint("attribute ", aGoFirst-1), unix.EBADMSG},
		// Skipped: decoding goes on to the missing rootfs.
		{"unknown Go-range attribute", frame(MsgBootstrap, attr(aGoFirst+500, 1, []byte{1})),
			"rootfs", unix.EINVAL},
		{"Go-only attributes", (&Bootstrap{Args: []string{"sh"}, Mounts: []Mount{{Target: "/t"}}, Loopback: true}).Frame().Bytes(),
			"rootfs", unix.EINVAL},
		{"flag of 8 bytes", frame(MsgBootstrap, attr(aTTY, 8, make([]byte, 8))), "tty", unix.EBADMSG},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, errno, code := runConstructor(t, tc.b)
			if path != tc.path || unix.Errno(errno) != tc.errno || code != ExitRuntime {
				t.Errorf("failed on %q with %v, exit %d; want %q, %v, exit %d",
					path, unix.Errno(errno), code, tc.path, tc.errno, ExitRuntime)
			}
		})
	}
}

// A chroot'ed root (no mount namespace of its own) shares its mount tree:
// C refuses a plan that would mount or clone anything in it, or that
// also asks for a new mount namespace the chroot would not cut off.
func TestConstructorRefusesMountsInASharedTree(t *testing.T) {
	for _, tc := range []struct {
		name string
		bs   Bootstrap
	}{
		{"bind source", Bootstrap{Rootfs: "/r", RootChroot: true, BindSources: []string{"/src"}}},
		{"overlay", Bootstrap{Rootfs: "/r", RootChroot: true, OverlayLower: []string{"/l"}, OverlayUpper: "/u", OverlayWork: "/w"}},
		{"host root read-only", Bootstrap{Rootfs: "/r", RootChroot: true, HostRootReadonly: true}},
		{"new mount namespace", Bootstrap{Rootfs: "/r", RootChroot: true, CloneFlags: unix.CLONE_NEWNS}},
		{"exec without the root", Bootstrap{Exec: true, RootChroot: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path, errno, code := runConstructor(t, tc.bs.Frame().Bytes())
			want := "root chroot"
			if tc.bs.Exec {
				want = "rootfs"
			}
			if path != want || unix.Errno(errno) != unix.EINVAL || code != ExitRuntime {
				t.Errorf("failed on %q with %v, exit %d; want %q, EINVAL", path, unix.Errno(errno), code, want)
			}
		})
	}
}
