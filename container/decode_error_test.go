package container

import (
	"encoding/binary"
	"errors"
	"fmt"
	"testing"

	"mycontainer/nsexec"
	"mycontainer/state"

	"golang.org/x/sys/unix"
)

func str(typ uint32, s string) nsexec.Attr { return nsexec.Attr{Type: typ, Val: []byte(s)} }

func u32(typ, v uint32) nsexec.Attr {
	return nsexec.Attr{Type: typ, Val: binary.NativeEndian.AppendUint32(nil, v)}
}

func TestDecodeError(t *testing.T) {
	for _, tc := range []struct {
		name  string
		attrs []nsexec.Attr
		msg   string
		code  int
	}{
		{"everything", []nsexec.Attr{
			str(nsexec.LStep, "mount proc on"), str(nsexec.LPath, "/proc"),
			u32(nsexec.LErrno, uint32(unix.EPERM)), u32(nsexec.LExit, 126),
			str(nsexec.LHint, "is /proc masked?"),
		}, "mount proc on /proc: operation not permitted (is /proc masked?)", 126},
		{"order of attributes does not matter", []nsexec.Attr{
			str(nsexec.LHint, "h"), u32(nsexec.LExit, 127), str(nsexec.LPath, "/bin/x"),
			u32(nsexec.LErrno, uint32(unix.ENOENT)), str(nsexec.LStep, "find command"),
		}, "find command /bin/x: no such file or directory (h)", 127},
		{"no path", []nsexec.Attr{
			str(nsexec.LStep, "clone"), u32(nsexec.LErrno, uint32(unix.EINVAL)),
		}, "clone: invalid argument", ExitRuntime},
		// Without an errno the first hint is the reason, the rest stay hints.
		{"hints without errno", []nsexec.Attr{
			str(nsexec.LStep, "pivot_root"), str(nsexec.LPath, "/r"),
			str(nsexec.LHint, "first"), str(nsexec.LHint, "second"), str(nsexec.LHint, "third"),
		}, "pivot_root /r: first (second) (third)", ExitRuntime},
		{"several hints with errno", []nsexec.Attr{
			str(nsexec.LStep, "s"), u32(nsexec.LErrno, uint32(unix.EACCES)),
			str(nsexec.LHint, "a"), str(nsexec.LHint, "b"),
		}, "s: permission denied (a) (b)", ExitRuntime},
		{"step only", []nsexec.Attr{str(nsexec.LStep, "exec")}, "exec", ExitRuntime},
		{"nothing", nil, "", ExitRuntime},
		// Attributes of the wrong size are ignored, not misread.
		{"bad sizes", []nsexec.Attr{
			str(nsexec.LStep, "s"), {Type: nsexec.LErrno, Val: []byte{1, 0}},
			{Type: nsexec.LExit, Val: make([]byte, 8)},
		}, "s", ExitRuntime},
		{"unknown attributes", []nsexec.Attr{
			str(nsexec.LStep, "s"), u32(nsexec.LPID, 7), str(999, "x"),
		}, "s", ExitRuntime},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := decodeError(tc.attrs)
			if e.Msg != tc.msg || e.Error() != tc.msg || e.Code != tc.code || e.ExitCode() != tc.code {
				t.Errorf("decodeError = %q code %d; want %q code %d", e.Msg, e.Code, tc.msg, tc.code)
			}
		})
	}
}

func TestErrorf(t *testing.T) {
	e := Errorf(ExitNotFound, "command %q not found", "x")
	if e.Error() != `command "x" not found` || e.ExitCode() != 127 {
		t.Errorf("Errorf = %q code %d", e.Error(), e.ExitCode())
	}
}

// Error keeps its cause: the CLI and the OCI verbs can ask errors.Is about
// what went wrong, through any number of wrappings.
func TestErrorKeepsItsCause(t *testing.T) {
	missing := fmt.Errorf("load c1: %w", state.ErrNotExist)
	e := Errorf(ExitRuntime, "start container: %w", missing)
	if !errors.Is(e, state.ErrNotExist) {
		t.Errorf("errors.Is(%v, state.ErrNotExist) is false", e)
	}
	if e.Error() != "start container: load c1: "+state.ErrNotExist.Error() {
		t.Errorf("message %q", e.Error())
	}
	outer := fmt.Errorf("run: %w", Errorf(ExitNotFound, "attach terminal: %w", unix.ENOENT))
	var ce *Error
	if !errors.Is(outer, unix.ENOENT) || !errors.As(outer, &ce) || ce.ExitCode() != ExitNotFound {
		t.Errorf("through a wrapping: Is ENOENT %v, As *Error %v", errors.Is(outer, unix.ENOENT), ce)
	}
	both := Errorf(ExitRuntime, "%w and %w", unix.EPERM, state.ErrNotExist)
	if !errors.Is(both, unix.EPERM) || !errors.Is(both, state.ErrNotExist) {
		t.Errorf("two causes: %v", both)
	}
	if plain := Errorf(ExitRuntime, "no cause: %v", unix.EPERM); plain.Unwrap() != nil || errors.Is(plain, unix.EPERM) {
		t.Errorf("%%v must not make a cause: %#v", plain)
	}
	// A stage's errno is the cause of the error its report becomes.
	if e := decodeError([]nsexec.Attr{str(nsexec.LStep, "s"), u32(nsexec.LErrno, uint32(unix.EPERM))}); !errors.Is(e, unix.EPERM) {
		t.Errorf("decodeError lost the errno: %#v", e)
	}
}

// The exit codes are proto.h's, and docker's.
func TestExitCodes(t *testing.T) {
	if ExitRuntime != 125 || ExitNotExecutable != 126 || ExitNotFound != 127 {
		t.Errorf("exit codes %d %d %d, want docker's 125 126 127", ExitRuntime, ExitNotExecutable, ExitNotFound)
	}
}
