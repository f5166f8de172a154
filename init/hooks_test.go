package containerinit

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func shHook(script string, args ...string) Hook {
	return Hook{Path: "/bin/sh", Args: append([]string{"sh", "-c", script, "sh"}, args...)}
}

func TestHooksGetStateEnvAndArgs(t *testing.T) {
	t.Setenv("MYC_MUST_NOT_LEAK", "1")
	dir := t.TempDir()
	out, env := filepath.Join(dir, "out"), filepath.Join(dir, "env")
	h1 := shHook(`cat > "$1"; echo "$0 $X" >> "$1"`, out)
	h1.Env = []string{"X=y"}
	h2 := shHook(`env > "$1"`, env)
	if err := runHooks("startContainer", []Hook{h1, h2}, []byte(`{"id":"c1"}`)); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); string(b) != "{\"id\":\"c1\"}sh y\n" {
		t.Errorf("hook saw %q", b)
	}
	if b, _ := os.ReadFile(env); strings.Contains(string(b), "MYC_MUST_NOT_LEAK") {
		t.Errorf("a hook without env got init's environment:\n%s", b)
	}
}

func TestHookFailureNamesKindIndexPathAndStderr(t *testing.T) {
	after := filepath.Join(t.TempDir(), "after")
	hooks := []Hook{shHook("true"), shHook("echo '  boom  ' >&2; exit 3"), shHook(`touch "$1"`, after)}
	err := runHooks("createContainer", hooks, nil)
	if err == nil {
		t.Fatal("a failing hook was not reported")
	}
	for _, want := range []string{"createContainer hook 1 (/bin/sh)", "exit status 3", ": boom"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if _, serr := os.Stat(after); serr == nil {
		t.Error("the hook after the failed one ran")
	}
	err = runHooks("startContainer", []Hook{{Path: "/nonexistent/hook"}}, nil)
	if err == nil || !strings.Contains(err.Error(), "startContainer hook 0 (/nonexistent/hook)") {
		t.Errorf("missing hook: %v", err)
	}
}

// A hook that hangs is killed at its timeout, and so is what it started.
func TestHookTimeoutKills(t *testing.T) {
	pids := filepath.Join(t.TempDir(), "pids")
	h := shHook(`sleep 60 & echo $$ $! > "$1"; wait`, pids)
	h.Timeout = 1
	start := time.Now()
	err := runHooks("startContainer", []Hook{h}, nil)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %v for a 1s timeout", took)
	}
	if err == nil || !strings.Contains(err.Error(), "timed out after 1s") || !strings.Contains(err.Error(), "startContainer hook 0") {
		t.Fatalf("error %v", err)
	}
	b, rerr := os.ReadFile(pids)
	if rerr != nil {
		t.Fatal(rerr)
	}
	for _, f := range strings.Fields(string(b)) {
		pid, _ := strconv.Atoi(f)
		// The hook is reaped; its child is reparented, give it a moment.
		for i := 0; i < 50 && unix.Kill(pid, 0) == nil && !isZombie(pid); i++ {
			time.Sleep(20 * time.Millisecond)
		}
		if unix.Kill(pid, 0) == nil && !isZombie(pid) {
			t.Errorf("pid %d is still alive after the timeout", pid)
		}
	}
}

func isZombie(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return true
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i > 0 && len(s) > i+2 && s[i+2] == 'Z'
}
