package cgroups

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeKernel stands in for cgroupfs: a temporary directory tree, plus the
// few kernel rules the managers depend on, and a log of every change.
// It wraps hostFS, so the real file code is exercised too.
type fakeKernel struct {
	t    *testing.T
	root string
	host hostFS
	log  []string // "mkdir P", "rmdir P", "write P=V", relative to root

	// populate is called after a successful mkdir to create the files
	// the kernel would show in the new cgroup.
	populate func(dir string)
	// fail, when set, may return an errno for a write before it happens.
	fail func(path, value string) error
	// rmdirFail may return an errno for an rmdir.
	rmdirFail func(path string) error
	// onWrite lets a test emulate a kernel side effect after a write.
	onWrite func(path, value string)
}

func newFakeKernel(t *testing.T) *fakeKernel {
	return &fakeKernel{t: t, root: t.TempDir()}
}

func (k *fakeKernel) rel(p string) string {
	r, err := filepath.Rel(k.root, p)
	if err != nil {
		k.t.Fatalf("path %s outside fake root %s", p, k.root)
	}
	return r
}

// file creates or overwrites a file in the fake tree (test set-up, not
// logged).
func (k *fakeKernel) file(rel, content string) {
	k.t.Helper()
	p := filepath.Join(k.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		k.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		k.t.Fatal(err)
	}
}

func (k *fakeKernel) read(rel string) string {
	k.t.Helper()
	b, err := os.ReadFile(filepath.Join(k.root, rel))
	if err != nil {
		k.t.Fatal(err)
	}
	return string(b)
}

func (k *fakeKernel) exists(rel string) bool {
	_, err := os.Stat(filepath.Join(k.root, rel))
	return err == nil
}

// writes returns the logged writes (and only them).
func (k *fakeKernel) writes() []string {
	var w []string
	for _, l := range k.log {
		if s, ok := strings.CutPrefix(l, "write "); ok {
			w = append(w, s)
		}
	}
	return w
}

func (k *fakeKernel) Mkdir(path string) error {
	if err := k.host.Mkdir(path); err != nil {
		return err
	}
	k.log = append(k.log, "mkdir "+k.rel(path))
	if k.populate != nil {
		k.populate(path)
	}
	return nil
}

// Rmdir follows cgroupfs: a cgroup with processes is EBUSY, one with
// child cgroups is EBUSY too; the control files go with the directory.
func (k *fakeKernel) Rmdir(path string) error {
	if k.rmdirFail != nil {
		if err := k.rmdirFail(path); err != nil {
			return &FileError{Op: "rmdir", Path: path, Err: err}
		}
	}
	subs, err := k.host.SubDirs(path)
	if err != nil {
		return &FileError{Op: "rmdir", Path: path, Err: errnoOf(err)}
	}
	if len(subs) > 0 {
		return &FileError{Op: "rmdir", Path: path, Err: unix.EBUSY}
	}
	if b, err := os.ReadFile(filepath.Join(path, "cgroup.procs")); err == nil && strings.TrimSpace(string(b)) != "" {
		return &FileError{Op: "rmdir", Path: path, Err: unix.EBUSY}
	}
	if err := os.RemoveAll(path); err != nil {
		return &FileError{Op: "rmdir", Path: path, Err: errnoOf(err)}
	}
	k.log = append(k.log, "rmdir "+k.rel(path))
	return nil
}

func (k *fakeKernel) ReadFile(path string) (string, error) { return k.host.ReadFile(path) }
func (k *fakeKernel) Exists(path string) (bool, error)     { return k.host.Exists(path) }
func (k *fakeKernel) SubDirs(path string) ([]string, error) {
	return k.host.SubDirs(path)
}
func (k *fakeKernel) ModTime(path string) (time.Time, error) { return k.host.ModTime(path) }

// WriteFile applies the kernel semantics of the special files: appending
// to cgroup.procs, +/- in cgroup.subtree_control. Everything else is
// stored as written.
func (k *fakeKernel) WriteFile(path, value string) error {
	if k.fail != nil {
		if err := k.fail(path, value); err != nil {
			return &FileError{Op: "write", Path: path, Value: value, Err: err}
		}
	}
	stored := value
	switch filepath.Base(path) {
	case "cgroup.procs":
		if cur, err := os.ReadFile(path); err == nil {
			stored = strings.TrimSpace(string(cur) + "\n" + value)
		}
	case "cgroup.subtree_control":
		cur, err := os.ReadFile(path)
		if err == nil {
			set := strings.Fields(string(cur))
			for _, tok := range strings.Fields(value) {
				c := tok[1:]
				if tok[0] == '+' && !slices.Contains(set, c) {
					set = append(set, c)
				}
				if tok[0] == '-' {
					set = slices.DeleteFunc(set, func(s string) bool { return s == c })
				}
			}
			stored = strings.Join(set, " ")
		}
	}
	if err := k.host.WriteFile(path, stored); err != nil {
		return err
	}
	k.log = append(k.log, "write "+k.rel(path)+"="+value)
	if k.onWrite != nil {
		k.onWrite(path, value)
	}
	return nil
}

// files writes several files into dir (no logging).
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, v := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// killLog records the kill seam's calls so unit tests never signal a
// real process.
type killLog struct {
	calls []string
	after func(pid int)
}

func (l *killLog) kill(pid int, sig unix.Signal) error {
	l.calls = append(l.calls, fmt.Sprintf("%d:%d", pid, sig))
	if l.after != nil {
		l.after(pid)
	}
	return nil
}

// removePid removes pid from every cgroup.procs under root, as the exit
// of a killed process does.
func removePid(t *testing.T, root string, pid int) {
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.Name() != "cgroup.procs" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var keep []string
		for _, f := range strings.Fields(string(b)) {
			if f != fmt.Sprint(pid) {
				keep = append(keep, f)
			}
		}
		return os.WriteFile(p, []byte(strings.Join(keep, "\n")), 0o644)
	})
	if err != nil {
		t.Error(err)
	}
}

func errnoIs(err error, e unix.Errno) bool { return errors.Is(err, e) }

func wantErr(t *testing.T, err error, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("want an error containing %q, got nil", parts)
	}
	for _, p := range parts {
		if !strings.Contains(err.Error(), p) {
			t.Errorf("error %q does not contain %q", err, p)
		}
	}
}

func wantList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s:\n got  %q\n want %q", what, got, want)
	}
}
