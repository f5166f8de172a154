package tests

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// runc(8): "--rootless value: ignore cgroup permission errors ('true',
// 'false', or 'auto')". As root there are no such errors, so each of the
// three runs the container; true without root is refused (mycontainer has
// no rootless mode), with create's exit code and one line.
func TestRuncRootlessFlag(t *testing.T) {
	e := newOCIEnv(t)
	for _, v := range []string{"true", "false", "auto"} {
		b := e.bundle(t, "rl", []string{"echo", "ran"}, nil)
		if r := e.oci(t, "--rootless", v, "run", "-b", b, "rl"); r.code != 0 || r.stdout != "ran\n" {
			t.Errorf("--rootless %s as root: exit %d %q %q", v, r.code, r.stdout, r.stderr)
		}
	}
	dir := worldReadableCopy(t, "rootless")
	cmd := exec.Command(filepath.Join(dir, "mycontainer"), "--root", filepath.Join(dir, "state"), "--rootless", "true", "create", "-b", dir, "rl")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if code := exitCode(t, cmd.Run()); code != 1 || !strings.Contains(stderr.String(), "--rootless true: not running as root") {
		t.Errorf("--rootless true without root: exit %d %q; want 1 and the reason", code, stderr.String())
	}
}
