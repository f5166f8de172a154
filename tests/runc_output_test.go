package tests

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// The outputs tools parse, in runc's shapes: list's table and JSON,
// state's indented JSON, events' stats data, features, and the --log
// lines (logrus's text form in a file, or JSON).
func TestRuncOutputFormats(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "outc", []string{"sleep", "100"}, nil)
	logf := filepath.Join(t.TempDir(), "log")
	if r := e.oci(t, "--debug", "--log", logf, "run", "-d", "-b", b, "outc"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	defer e.oci(t, "delete", "--force", "outc")
	lb, _ := os.ReadFile(logf)
	logLine := regexp.MustCompile(`^time="[^"]+" level=(debug|info|warning|error) msg=".*"$`)
	sc := bufio.NewScanner(strings.NewReader(string(lb)))
	debugs := 0
	for sc.Scan() {
		if !logLine.MatchString(sc.Text()) {
			t.Errorf("--log line not in runc's form: %q", sc.Text())
		}
		if strings.Contains(sc.Text(), "level=debug") {
			debugs++
		}
	}
	if debugs == 0 {
		t.Errorf("--debug --log wrote no debug line: %q", lb)
	}
	jl := filepath.Join(t.TempDir(), "log.json")
	e.oci(t, "--log", jl, "--log-format", "json", "state", "nope")
	jb, _ := os.ReadFile(jl)
	var rec struct{ Level, Msg, Time string }
	if err := json.Unmarshal(jb, &rec); err != nil || rec.Level != "error" || rec.Msg == "" || rec.Time == "" {
		t.Errorf("--log-format json line %q: %v", jb, err)
	}

	r := e.oci(t, "list")
	if !strings.HasPrefix(r.stdout, "ID          PID ") || !strings.Contains(r.stdout, "\noutc ") {
		t.Errorf("list: %q, want runc's table (12-wide columns)", r.stdout)
	}
	var all []struct{ ID, Status string }
	if r := e.oci(t, "list", "--format", "json"); json.Unmarshal([]byte(r.stdout), &all) != nil || len(all) != 1 || all[0].ID != "outc" || all[0].Status != "running" {
		t.Errorf("list --format json: %q", r.stdout)
	}
	if r := e.oci(t, "list", "-q"); strings.TrimSpace(r.stdout) != "outc" {
		t.Errorf("list -q: %q", r.stdout)
	}
	var sj struct{ OCIVersion, ID, Status, Bundle string }
	if r := e.oci(t, "state", "outc"); json.Unmarshal([]byte(r.stdout), &sj) != nil || sj.OCIVersion == "" || sj.ID != "outc" || sj.Status != "running" || sj.Bundle != b {
		t.Errorf("state: %q", r.stdout)
	}

	type stats struct {
		Type string
		ID   string
		Data struct {
			CPU struct {
				Usage struct{ Total uint64 }
			}
			Memory struct {
				Usage struct{ Usage, Limit uint64 }
			}
			Pids struct{ Current uint64 }
		}
	}
	r = e.oci(t, "events", "--stats", "outc")
	var st stats
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || st.Type != "stats" || st.ID != "outc" ||
		st.Data.CPU.Usage.Total == 0 || st.Data.Memory.Usage.Usage == 0 || st.Data.Pids.Current != 1 {
		t.Errorf("events --stats: %q %v; want runc's data.cpu.usage.total, data.memory.usage.usage, data.pids.current", r.stdout, err)
	}
	// events --interval: a line per interval until the container stops.
	cmd := exec.Command(binary, "--root", e.root, "events", "--interval", "100ms", "outc")
	var out strings.Builder
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(700 * time.Millisecond)
	e.oci(t, "kill", "outc", "KILL")
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Error("events did not end when the container stopped")
	}
	if n := strings.Count(out.String(), `{"type":"stats"`); n < 3 {
		t.Errorf("events --interval 100ms over 0.7 s: %d stats lines, want 3 or more", n)
	}

	var f struct{ OCIVersionMin, OCIVersionMax string }
	if r := run(t, "features"); json.Unmarshal([]byte(r.stdout), &f) != nil || f.OCIVersionMin == "" || f.OCIVersionMax == "" {
		t.Errorf("features: %q", r.stdout)
	}
}
