package tests

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// Bad input: a clear one-line error, exit 125 (or 126/127 for the
// command), and nothing left behind.
func TestBadInput(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	noSh := t.TempDir()
	cases := []struct {
		name string
		args []string
		code int
		msg  []string
	}{
		{"rootfs-missing", []string{"run", "--rootfs", "/nonexistent-rootfs", "sh"}, 125, []string{"rootfs", "/nonexistent-rootfs", "no such directory"}},
		{"rootfs-not-dir", []string{"run", "--rootfs", file, "sh"}, 125, []string{"rootfs", file, "not a directory"}},
		{"rootfs-lacks-command", []string{"run", "--rootfs", noSh, "/bin/sh"}, 127, []string{"command not found", "/bin/sh"}},
		{"not-executable", []string{"run", "--rootfs", rootfs, "/etc/group"}, 126, []string{"not executable", "/etc/group"}},
		{"unknown-flag", []string{"run", "--no-such-flag", "sh"}, 125, []string{"unknown flag", "--no-such-flag"}},
		{"bad-hostname", []string{"run", "--rootfs", rootfs, "--hostname", "bad_name!", "true"}, 125, []string{"hostname", "bad_name!"}},
		{"long-hostname", []string{"run", "--rootfs", rootfs, "--hostname", strings.Repeat("a", 65), "true"}, 125, []string{"hostname", "64 bytes", "--hostname"}},
		{"bad-net", []string{"run", "--rootfs", rootfs, "--net", "bridged", "true"}, 125, []string{"--net", "bridged"}},
		{"relative-workdir", []string{"run", "--rootfs", rootfs, "-w", "rel", "true"}, 125, []string{"workdir", "absolute"}},
		{"unknown-user", []string{"run", "--rootfs", rootfs, "-u", "mallory", "true"}, 125, []string{"mallory", "/etc/passwd"}},
		{"bad-volume", []string{"run", "--rootfs", rootfs, "-v", "/nonexistent:/x", "true"}, 125, []string{"volume", "/nonexistent"}},
		{"bad-env", []string{"run", "--rootfs", rootfs, "-e", "=x", "true"}, 125, []string{"env", "=x"}},
		{"no-command", []string{"run", "--rootfs", rootfs}, 125, []string{"command"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := snapshot(t)
			r := run(t, c.args...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, c.code, r.stderr)
			}
			checkOneLine(t, r.stderr, c.msg...)
			before.assertClean(t, "")
		})
	}
}

func TestNonRootIsToldRootIsNeeded(t *testing.T) {
	dir := worldReadableCopy(t, "nonroot")
	cmd := exec.Command(filepath.Join(dir, "mycontainer"), "run", "--rootfs", rootfs, "true")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	code := exitCode(t, cmd.Run())
	if code != 125 {
		t.Errorf("exit %d, want 125", code)
	}
	checkOneLine(t, stderr.String(), "root is needed")
}

func TestHelpAndVersion(t *testing.T) {
	r := run(t, "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "mycontainer ") {
		t.Errorf("--version: exit %d, %q", r.code, r.stdout)
	}
	r = run(t, "run", "--help")
	if r.code != 0 || !strings.Contains(r.stdout, "Examples:") || !strings.Contains(r.stdout, "--rootfs") {
		t.Errorf("run --help: exit %d, %q", r.code, r.stdout)
	}
}

// worldReadableCopy copies the runtime into a new 0755 directory, so that a
// user other than root can execute it (the test binary's own copy is in a
// directory only root may enter); it returns that directory.
func worldReadableCopy(t *testing.T, name string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "mycontainer-test-bin-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// With mycontainer-seccomp, which compiles a profile on a cache miss
	// (another user cannot read root's cache: every profile misses).
	for _, n := range []string{"mycontainer", "mycontainer-seccomp"} {
		bin, err := os.ReadFile(filepath.Join(filepath.Dir(binary), n))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, n), bin, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}
