package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
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
			Syscalls: []specs.LinuxSyscall{{Names: []string{"mkdir", "mkdirat"}, Action: specs.ActErrno, ErrnoRet: &eperm}},
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
