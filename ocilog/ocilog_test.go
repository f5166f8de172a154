package ocilog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var fixed = time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)

// newFileLogger logs to a temp file, with stderr captured and a fixed clock.
func newFileLogger(t *testing.T, format string, debug bool) (*Logger, string, *bytes.Buffer) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log.json")
	l, err := New(path, format, debug)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var stderr bytes.Buffer
	l.stderr = &stderr
	l.now = func() time.Time { return fixed }
	return l, path, &stderr
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestJSONExactShape(t *testing.T) {
	l, path, stderr := newFileLogger(t, "json", false)
	l.Errorf("container %q does not exist", "c1")
	want := `{"level":"error","msg":"container \"c1\" does not exist","time":"2024-05-06T07:08:09.123456789Z"}` + "\n"
	if got := read(t, path); got != want {
		t.Errorf("log file:\n got %q\nwant %q", got, want)
	}
	// runc's behaviour: an error also reaches stderr as text when the log is a file.
	if got, want := stderr.String(), "mycontainer: container \"c1\" does not exist\n"; got != want {
		t.Errorf("stderr: got %q want %q", got, want)
	}
}

func TestJSONEscapingOneLinePerError(t *testing.T) {
	l, path, _ := newFileLogger(t, "json", true)
	msgs := []string{
		`quotes "inside" and \backslash`,
		"multi\nline\r\nmessage\twith tab",
		"trailing newline\n",
		"html <b>&</b> and unicode é ✓",
		"control \x01 byte",
	}
	for _, m := range msgs {
		l.Errorf("%s", m)
	}
	l.Debugf("debug %d", 1)

	lines := strings.Split(strings.TrimSuffix(read(t, path), "\n"), "\n")
	if len(lines) != len(msgs)+1 {
		t.Fatalf("want %d lines, got %d: %q", len(msgs)+1, len(lines), lines)
	}
	for i, line := range lines {
		var r map[string]string
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %d not valid JSON: %v: %q", i, err, line)
		}
		if len(r) != 3 || r["time"] != fixed.Format(time.RFC3339Nano) {
			t.Errorf("line %d: unexpected keys/time: %v", i, r)
		}
		if i == len(msgs) {
			if r["level"] != "debug" || r["msg"] != "debug 1" {
				t.Errorf("debug line: %v", r)
			}
			continue
		}
		want := strings.TrimRight(msgs[i], "\n")
		if r["level"] != "error" || r["msg"] != want {
			t.Errorf("line %d: got %v, want msg %q", i, r, want)
		}
	}
}

// What containerd's shim and conmon do: take the msg of the last error line.
func TestLastErrorLineIsReadable(t *testing.T) {
	l, path, _ := newFileLogger(t, "json", true)
	l.Errorf("first")
	l.Errorf("second: %v", "exec: \"foo\": not found\n")
	l.Debugf("after")
	var last string
	sc := bufio.NewScanner(strings.NewReader(read(t, path)))
	for sc.Scan() {
		var r struct{ Level, Msg string }
		if err := json.Unmarshal(sc.Bytes(), &r); err == nil && r.Level == "error" {
			last = r.Msg
		}
	}
	if want := `second: exec: "foo": not found`; last != want {
		t.Errorf("last error msg %q, want %q", last, want)
	}
}

func TestTextExactShape(t *testing.T) {
	l, path, stderr := newFileLogger(t, "text", true)
	l.Errorf("bad %s\n", `"thing"`)
	l.Debugf("step %d", 2)
	// runc's (logrus's) text form, one line per record.
	want := "time=\"T\" level=error msg=\"bad \\\"thing\\\"\"\ntime=\"T\" level=debug msg=\"step 2\"\n"
	got := regexp.MustCompile(`time="[^"]*"`).ReplaceAllString(read(t, path), `time="T"`)
	if got != want {
		t.Errorf("got %q want %q", got, want)
	}
	if got := stderr.String(); got != "mycontainer: bad \"thing\"\n" {
		t.Errorf("stderr got %q (debug must not be copied)", got)
	}
}

func TestDebugOffWritesNothing(t *testing.T) {
	for _, f := range []string{"text", "json"} {
		l, path, _ := newFileLogger(t, f, false)
		l.Debugf("hidden")
		if got := read(t, path); got != "" {
			t.Errorf("%s: got %q", f, got)
		}
	}
}

func TestStderrDestinationNotDuplicated(t *testing.T) {
	for _, f := range []string{"text", "json"} {
		l, err := New("", f, false)
		if err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		l.out = &out
		l.now = func() time.Time { return fixed }
		if l.stderr != nil {
			t.Fatalf("%s: log on stderr must not copy errors to stderr", f)
		}
		l.Errorf("x")
		if n := strings.Count(out.String(), "\n"); n != 1 {
			t.Errorf("%s: %d lines: %q", f, n, out.String())
		}
		if err := l.Close(); err != nil {
			t.Errorf("Close on stderr logger: %v", err)
		}
	}
}

func TestLogIsStderrFile(t *testing.T) {
	l, err := New("/proc/self/fd/2", "json", false)
	if err != nil {
		t.Skip("cannot reopen fd 2:", err)
	}
	defer l.Close()
	if l.stderr != nil {
		t.Error("--log naming stderr itself must not print errors twice")
	}
}

func TestAppendsNeverTruncates(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	if err := os.WriteFile(path, []byte("earlier\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, err := New(path, "text", false)
	if err != nil {
		t.Fatal(err)
	}
	l.stderr = nil
	l.Errorf("later")
	l.Close()
	l.Errorf("after close is dropped")
	if got := read(t, path); !strings.HasPrefix(got, "earlier\ntime=") || !strings.HasSuffix(got, ` level=error msg="later"`+"\n") {
		t.Errorf("got %q", got)
	}
}

func TestBadFormat(t *testing.T) {
	for _, f := range []string{"", "JSON", "logfmt"} {
		if _, err := New("", f, false); err == nil || !strings.Contains(err.Error(), "log-format") {
			t.Errorf("format %q: err = %v", f, err)
		}
	}
}

func TestBadPath(t *testing.T) {
	if _, err := New(filepath.Join(t.TempDir(), "no", "such", "dir", "log"), "json", false); err == nil {
		t.Error("expected an error for an unopenable log path")
	}
}

func TestNilLoggerIsSafe(t *testing.T) {
	var l *Logger
	l.Debugf("x")
	if err := l.Close(); err != nil {
		t.Error(err)
	}
	// Errorf on nil writes to the real stderr; only check it does not panic.
	l.Errorf("nil logger error (expected in test output)")
}

func TestConcurrentWritesStayWhole(t *testing.T) {
	l, path, _ := newFileLogger(t, "json", false)
	l.stderr = nil
	done := make(chan struct{})
	for g := range 8 {
		go func() {
			for i := range 100 {
				l.Errorf("g%d i%d %s", g, i, strings.Repeat("x", 500))
			}
			done <- struct{}{}
		}()
	}
	for range 8 {
		<-done
	}
	lines := strings.Split(strings.TrimSuffix(read(t, path), "\n"), "\n")
	if len(lines) != 800 {
		t.Fatalf("got %d lines", len(lines))
	}
	for _, line := range lines {
		if !json.Valid([]byte(line)) {
			t.Fatalf("torn line %q", line)
		}
	}
}
