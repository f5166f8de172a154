package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Compiling a profile is the helper mycontainer-seccomp's job, and only on
// a miss of the compile cache: a cached program is loaded with no helper
// at all, and a miss without the helper fails with one clear line (which
// names the step and the profile's path, and how to get the helper) and
// exit 125.
func TestSeccompCacheHitNeedsNoHelper(t *testing.T) {
	removeNewSeccompCache(t)
	// A profile of this run alone, so the first start surely misses: the
	// unknown name (skipped by the compiler) makes its bytes unique.
	profile := filepath.Join(t.TempDir(), "profile.json")
	p := fmt.Sprintf(`{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat","mycontainer_test_%s"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}`, marker())
	if err := os.WriteFile(profile, []byte(p), 0o644); err != nil {
		t.Fatal(err)
	}
	start := func(helper string) result {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, binary, "run", "--rootfs", rootfs, "--security-opt", "seccomp="+profile,
			"--", "sh", "-c", "mkdir /tmp/made && echo MADE || echo REFUSED")
		cmd.Env = os.Environ()
		if helper != "" {
			cmd.Env = append(cmd.Env, "MYCONTAINER_SECCOMP_HELPER="+helper)
		}
		return runToFiles(t, ctx, cmd, time.Minute)
	}
	nowhere := filepath.Join(t.TempDir(), "no-such-dir", "mycontainer-seccomp")

	r := start(nowhere) // a miss, and no helper
	msg := strings.TrimSpace(r.stderr)
	if r.code != 125 || strings.Contains(msg, "\n") || !strings.Contains(msg, "linux.seccomp") ||
		!strings.Contains(msg, "mycontainer-seccomp") || !strings.Contains(msg, "make build") {
		t.Fatalf("a miss without the helper: exit %d, want 125 and one line naming linux.seccomp, the helper and make build:\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Logf("a miss without the helper: %s", msg)

	r = start("") // the helper beside the binary compiles and caches it
	if r.code != 0 || !strings.Contains(r.stdout, "REFUSED") {
		t.Fatalf("with the helper: exit %d, want 0 and mkdir refused by the profile:\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = start(nowhere) // a hit: the helper is not needed
	if r.code != 0 || !strings.Contains(r.stdout, "REFUSED") {
		t.Fatalf("a cache hit without the helper: exit %d, want 0 and mkdir refused by the cached program:\n%s%s", r.code, r.stdout, r.stderr)
	}
}
