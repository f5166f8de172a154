package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// update writes new limits that the container sees; pause and resume use
// the freezer; events --stats prints one stats line.
func TestOCIUpdatePauseEvents(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "res", []string{"sleep", "100"}, nil)
	if r := e.oci(t, "run", "-d", "--bundle", b, "res"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	res := filepath.Join(t.TempDir(), "res.json")
	if err := os.WriteFile(res, []byte(`{"memory":{"limit":67108864},"pids":{"limit":50}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := e.oci(t, "update", "--resources", res, "res"); r.code != 0 {
		t.Fatalf("update: %d %s", r.code, r.stderr)
	}
	r := e.oci(t, "exec", "res", "sh", "-c", "cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max 2>/dev/null; true")
	if !strings.Contains(r.stdout, "67108864") || !strings.Contains(r.stdout, "50") {
		t.Errorf("limits inside after update: %q %q", r.stdout, r.stderr)
	}
	if r := e.oci(t, "update", "--resources", res, "nope"); r.code != 1 {
		t.Errorf("update of a missing container: exit %d", r.code)
	}
	if r := e.oci(t, "pause", "res"); r.code != 0 {
		t.Fatalf("pause: %s", r.stderr)
	}
	if s := e.status(t, "res"); s != "paused" {
		t.Errorf("after pause: %s", s)
	}
	if r := e.oci(t, "resume", "res"); r.code != 0 {
		t.Fatalf("resume: %s", r.stderr)
	}
	if s := e.status(t, "res"); s != "running" {
		t.Errorf("after resume: %s", s)
	}
	if r := e.oci(t, "events", "--stats", "res"); r.code != 0 || !strings.HasPrefix(r.stdout, `{"type":"stats","id":"res"`) {
		t.Errorf("events --stats: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := e.oci(t, "kill", "--all", "res", "KILL"); r.code != 0 {
		t.Errorf("kill --all: %s", r.stderr)
	}
	waitFor(t, "stopped", func() bool { return e.status(t, "res") == "stopped" })
	if r := e.oci(t, "delete", "res"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
}

func TestOCISpecAndFeatures(t *testing.T) {
	dir := t.TempDir()
	if r := run(t, "spec", "--bundle", dir); r.code != 0 {
		t.Fatalf("spec: %s", r.stderr)
	}
	if r := run(t, "spec", "--bundle", dir); r.code != 1 || !strings.Contains(r.stderr, "exists") {
		t.Errorf("spec over an existing config: %d %q", r.code, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	if err != nil || !strings.Contains(string(b), `"ociVersion"`) {
		t.Errorf("config.json: %v", err)
	}
	if r := run(t, "features"); r.code != 0 || !strings.Contains(r.stdout, `"namespaces"`) {
		t.Errorf("features: %d %q", r.code, r.stdout)
	}
}
