package tests

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The attackers are small static C programs in tests/attack/, run inside
// containers. They are compiled once per test run with gcc; in the cgroup
// v2 VM, which has no compiler, `make test-v2` builds them beforehand and
// names the directory in MYCONTAINER_TEST_ATTACK_DIR.
var (
	attackOnce sync.Once
	attackDir  string
	attackErr  error
)

// attacker returns the path of the compiled tests/attack/NAME.c.
func attacker(t *testing.T, name string) string {
	t.Helper()
	if d := os.Getenv("MYCONTAINER_TEST_ATTACK_DIR"); d != "" {
		return filepath.Join(d, name)
	}
	attackOnce.Do(func() {
		attackDir, attackErr = os.MkdirTemp("", "myc-test-attack-")
		if attackErr != nil {
			return
		}
		srcs, _ := filepath.Glob("attack/*.c")
		for _, src := range srcs {
			out := filepath.Join(attackDir, filepath.Base(src[:len(src)-2]))
			b, err := exec.Command("gcc", "-static", "-O2", "-Wall", "-o", out, src).CombinedOutput()
			if err != nil {
				attackErr = &buildError{src, string(b), err}
				return
			}
		}
	})
	if attackErr != nil {
		t.Fatalf("build the attackers: %v", attackErr)
	}
	return filepath.Join(attackDir, name)
}

type buildError struct {
	src, out string
	err      error
}

func (e *buildError) Error() string { return e.src + ": " + e.err.Error() + "\n" + e.out }

// removeAttackers is called by TestMain.
func removeAttackers() {
	if attackDir != "" {
		os.RemoveAll(attackDir)
	}
}

// privateBinary copies the runtime under test, for an attack that may
// succeed: a corrupted copy must not break the other tests.
func privateBinary(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "mycontainer")
	copyFile(t, binary, dst, 0o755)
	// A profile not in the compile cache is compiled by the helper
	// beside the runtime.
	copyFile(t, binary+"-seccomp", dst+"-seccomp", 0o755)
	return dst
}

func copyFile(t *testing.T, src, dst string, mode os.FileMode) {
	t.Helper()
	in, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
}

func fileHash(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}
