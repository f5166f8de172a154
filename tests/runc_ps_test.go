package tests

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// ps ID [ps options]: ps(1)'s header and the container's lines only; ps
// --format json: the PIDs.
func TestRuncPs(t *testing.T) {
	e := newOCIEnv(t)
	m := marker()
	b := e.bundle(t, "psc", []string{"sleep", "1" + m}, nil)
	if r := e.oci(t, "run", "-d", "-b", b, "psc"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	defer e.oci(t, "delete", "--force", "psc")

	r := e.oci(t, "ps", "psc")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	// procps prints -ef's UID PID PPID ... header; busybox's ps (the v2
	// VM's) ignores -ef and prints PID USER COMMAND. Either way: a header
	// with a PID column and the one sleep line. (-o below checks that the
	// options reach ps.)
	if r.code != 0 || len(lines) != 2 || !slices.Contains(strings.Fields(lines[0]), "PID") ||
		!strings.Contains(lines[1], "sleep 1"+m) {
		t.Errorf("ps ID (ps -ef): exit %d %q %q; want ps's header and the one sleep line", r.code, r.stdout, r.stderr)
	}
	r = e.oci(t, "ps", "psc", "-o", "pid,comm")
	lines = strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) != 2 || strings.Join(strings.Fields(lines[0]), " ") != "PID COMMAND" ||
		!strings.HasSuffix(lines[1], "sleep") {
		t.Errorf("ps ID -o pid,comm: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	if r := e.oci(t, "ps", "psc", "-o", "comm"); r.code != 1 || !strings.Contains(r.stderr, "PID column") {
		t.Errorf("ps ID -o comm (no PID column): exit %d %q", r.code, r.stderr)
	}
	r = e.oci(t, "ps", "--format", "json", "psc")
	var pids []int
	if err := json.Unmarshal([]byte(r.stdout), &pids); err != nil || len(pids) != 1 {
		t.Errorf("ps --format json: %q %v", r.stdout, err)
	}
	st := e.oci(t, "state", "psc")
	var s struct{ Pid int }
	if json.Unmarshal([]byte(st.stdout), &s); len(pids) == 1 && pids[0] != s.Pid {
		t.Errorf("ps --format json: %v, state's pid %d", pids, s.Pid)
	}
}
