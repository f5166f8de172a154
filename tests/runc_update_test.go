package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// update with runc's flags, one per limit, and -r - from stdin; limits
// this runtime cannot write are refused by name.
func TestRuncUpdateFlags(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "upd", []string{"sleep", "100"}, nil)
	if r := e.oci(t, "run", "-d", "-b", b, "upd"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	defer e.oci(t, "delete", "--force", "upd")
	// read prints a cgroup file inside the container: the v1 name, else
	// the v2 one.
	read := func(v1, v2 string) string {
		t.Helper()
		r := e.oci(t, "exec", "upd", "sh", "-c", "cat /sys/fs/cgroup/"+v1+" 2>/dev/null || cat /sys/fs/cgroup/"+v2)
		return strings.TrimSpace(r.stdout)
	}
	r := e.oci(t, "update", "--memory", "64m", "--memory-reservation", "32m", "--cpu-period", "100000",
		"--cpu-quota", "50000", "--cpu-share", "512", "--cpuset-cpus", "0", "--cpuset-mems", "0",
		"--pids-limit", "42", "upd")
	if r.code != 0 {
		t.Fatalf("update with flags: exit %d %q", r.code, r.stderr)
	}
	for _, c := range []struct{ v1, v2, want string }{
		{"memory/memory.limit_in_bytes", "memory.max", "67108864"},
		{"memory/memory.soft_limit_in_bytes", "memory.low", "33554432"},
		{"cpu/cpu.cfs_quota_us", "cpu.max", "50000"},
		{"cpu/cpu.cfs_period_us", "cpu.max", "100000"},
		{"cpuset/cpuset.cpus", "cpuset.cpus", "0"},
		{"pids/pids.max", "pids.max", "42"},
	} {
		if got := read(c.v1, c.v2); !strings.Contains(got, c.want) {
			t.Errorf("after update: %s (or %s) is %q, want %s", c.v1, c.v2, got, c.want)
		}
	}
	if cgroupMode(t).String() != "unified" {
		if got := read("cpu/cpu.shares", "cpu.shares"); got != "512" {
			t.Errorf("after --cpu-share 512: cpu.shares %q", got)
		}
	}

	// -r -: the resources from stdin.
	cmd := exec.Command(binary, "--root", e.root, "update", "-r", "-", "upd")
	cmd.Stdin = strings.NewReader(`{"pids":{"limit":43}}`)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("update -r -: %v %s", err, out)
	} else if got := read("pids/pids.max", "pids.max"); got != "43" {
		t.Errorf("after update -r - (pids 43): pids.max %q", got)
	}

	res := filepath.Join(t.TempDir(), "res.json")
	if err := os.WriteFile(res, []byte(`{"pids":{"limit":44}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-r", res, "--memory", "64m"}, "one way"},
		{[]string{"--memory", "64q"}, "--memory"},
		{[]string{"--pids-limit", "x"}, "--pids-limit"},
		{nil, "no limit given"},
	} {
		r := e.oci(t, append(append([]string{"update"}, c.args...), "upd")...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("update %v: exit %d %q; want 1 and %q", c.args, r.code, r.stderr, c.want)
		}
	}
	if got := read("pids/pids.max", "pids.max"); got != "43" {
		t.Errorf("a refused update changed pids.max to %q", got)
	}
}
