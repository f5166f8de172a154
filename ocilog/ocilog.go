// Package ocilog is the runtime's own error and debug log, in the shape
// engines expect from runc's --log and --log-format flags.
//
// containerd's shim and conmon read the --log file after a failed call and
// show the msg of the last JSON line whose level is "error". So every record
// is exactly one line, written with one write(2) on an O_APPEND file, which
// keeps lines whole even when several runtime processes share the file.
//
// Errors also go to stderr, as plain text, whenever the log itself is not
// stderr. runc does the same (its fatal path logs, then prints to stderr if
// the logger writes elsewhere): a user running the binary by hand with --log
// still sees why it failed, and engines that capture stderr instead of the
// log file get the message too. Debug records are not copied: they are
// noise on a terminal and only matter in the log.
package ocilog

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

const prefix = "mycontainer: "

// Logger writes records to the --log destination. Its methods are safe
// for concurrent use, and on a nil *Logger they write text to stderr, so
// code that runs before the flags are parsed can still report.
type Logger struct {
	mu     sync.Mutex
	out    io.Writer
	file   *os.File  // closed by Close; nil when out is stderr
	stderr io.Writer // where errors are copied as text; nil when out is stderr
	json   bool
	debug  bool
	now    func() time.Time
}

// New opens the log. path "" means stderr; format is "text" or "json".
// The file is opened O_APPEND|O_CREATE and never truncated: engines create
// it before the call and may read earlier lines from it.
func New(path, format string, debug bool) (*Logger, error) {
	l := &Logger{out: os.Stderr, debug: debug, now: time.Now}
	switch format {
	case "text":
	case "json":
		l.json = true
	default:
		return nil, fmt.Errorf("invalid --log-format %q: must be \"text\" or \"json\"", format)
	}
	if path == "" {
		return l, nil
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open --log file: %w", err)
	}
	l.out, l.file = f, f
	// --log /dev/stderr (or /proc/self/fd/2) must not print errors twice.
	if !sameFile(f, os.Stderr) {
		l.stderr = os.Stderr
	}
	return l, nil
}

func sameFile(a, b *os.File) bool {
	ai, err := a.Stat()
	if err != nil {
		return false
	}
	bi, err := b.Stat()
	return err == nil && os.SameFile(ai, bi)
}

// Errorf logs one error record.
func (l *Logger) Errorf(format string, args ...any) {
	msg := message(format, args)
	if l == nil {
		io.WriteString(os.Stderr, prefix+msg+"\n")
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.write("error", msg)
	if l.stderr != nil {
		io.WriteString(l.stderr, prefix+msg+"\n")
	}
}

// Warnf logs one warning record ("warning" level), copied to stderr as
// errors are: something went wrong, but the runtime carries on.
func (l *Logger) Warnf(format string, args ...any) {
	msg := message(format, args)
	if l == nil {
		io.WriteString(os.Stderr, prefix+"warning: "+msg+"\n")
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.write("warning", msg)
	if l.stderr != nil {
		io.WriteString(l.stderr, prefix+"warning: "+msg+"\n")
	}
}

// Debugf logs one debug record, only when the logger was made with debug.
func (l *Logger) Debugf(format string, args ...any) {
	if l == nil || !l.debug {
		return
	}
	msg := message(format, args)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.write("debug", msg)
}

// Close closes the log file (never stderr). Later records are dropped.
func (l *Logger) Close() error {
	if l == nil {
		return nil
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.file == nil {
		return nil
	}
	err := l.file.Close()
	l.file, l.out = nil, io.Discard
	return err
}

// message formats and drops trailing newlines: wrapped errors often end in
// one, and engines show msg verbatim.
func message(format string, args []any) string {
	return strings.TrimRight(fmt.Sprintf(format, args...), "\r\n")
}

type record struct {
	Level string `json:"level"`
	Msg   string `json:"msg"`
	Time  string `json:"time"`
}

// write emits one record with a single Write. Caller holds l.mu.
// On stderr, text keeps newlines inside msg, for humans reading
// multi-line hook output; in a file (runc's form) and in JSON they are
// escaped, so a record stays one line.
func (l *Logger) write(level, msg string) {
	var buf bytes.Buffer
	if l.json {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false) // "<" in a msg stays readable; still valid JSON
		// Encode cannot fail on three strings; it appends the '\n'.
		_ = enc.Encode(record{Level: level, Msg: msg, Time: l.now().Format(time.RFC3339Nano)})
	} else if l.file != nil {
		// runc's text form in a file (logrus's): time="..." level=L msg="...".
		fmt.Fprintf(&buf, "time=%s level=%s msg=%s\n", strconv.Quote(l.now().Format(time.RFC3339Nano)), level, strconv.Quote(msg))
	} else {
		buf.WriteString(prefix)
		if level != "error" {
			buf.WriteString(level + ": ")
		}
		buf.WriteString(msg)
		buf.WriteByte('\n')
	}
	_, _ = l.out.Write(buf.Bytes()) // nowhere left to report a failed log write
}
