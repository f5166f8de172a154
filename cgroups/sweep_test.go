package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestSweep(t *testing.T) {
	k := newFakeKernel(t)
	k.populate = func(dir string) { writeFiles(t, dir, map[string]string{"cgroup.procs": ""}) }
	now := time.Now()
	old := now.Add(-time.Hour)
	// Two hierarchies, as on v1.
	var parents []string
	for _, h := range []string{"memory", "pids"} {
		p := filepath.Join(k.root, h, "mycontainer")
		parents = append(parents, p)
		for _, d := range []string{"", "dead", "dead/inner", "live", "liveinner", "liveinner/x", "young", "busy"} {
			if err := os.MkdirAll(filepath.Join(p, d), 0o755); err != nil {
				t.Fatal(err)
			}
			k.populate(filepath.Join(p, d))
		}
		k.file(filepath.Join(h, "mycontainer/live/cgroup.procs"), "42\n")
		k.file(filepath.Join(h, "mycontainer/liveinner/x/cgroup.procs"), "43\n")
		for _, d := range []string{"dead", "live", "liveinner", "busy"} {
			if err := os.Chtimes(filepath.Join(p, d), old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	// "busy" gains a process between the check and the rmdir.
	k.rmdirFail = func(path string) error {
		if filepath.Base(path) == "busy" {
			return unix.EBUSY
		}
		return nil
	}
	missing := filepath.Join(k.root, "blkio", "mycontainer")
	if err := sweep(k, append(parents, missing), DefaultSweepGrace, now); err != nil {
		t.Fatal(err)
	}
	wantList(t, "removed", grep(k.log, "rmdir"), []string{
		"rmdir memory/mycontainer/dead/inner", "rmdir memory/mycontainer/dead",
		"rmdir pids/mycontainer/dead/inner", "rmdir pids/mycontainer/dead",
	})
	for _, h := range []string{"memory", "pids"} {
		for _, d := range []string{"live", "liveinner/x", "young", "busy"} {
			if !k.exists(filepath.Join(h, "mycontainer", d)) {
				t.Errorf("%s/%s removed", h, d)
			}
		}
	}
}

func TestSweepReportsRealErrors(t *testing.T) {
	k := newFakeKernel(t)
	p := filepath.Join(k.root, "mycontainer")
	if err := os.MkdirAll(filepath.Join(p, "dead"), 0o755); err != nil {
		t.Fatal(err)
	}
	// No cgroup.procs: not a cgroup the way the kernel makes them.
	err := sweep(k, []string{p}, 0, time.Now())
	wantErr(t, err, "cgroups: sweep", "read "+filepath.Join(p, "dead", "cgroup.procs"), "no such file or directory")
	k.file("mycontainer/dead/cgroup.procs", "")
	k.rmdirFail = func(string) error { return unix.EPERM }
	err = sweep(k, []string{p}, 0, time.Now())
	wantErr(t, err, "cgroups: sweep", "rmdir", "operation not permitted")
}

func TestRelPathAndNames(t *testing.T) {
	for _, tc := range []struct{ parent, id, want string }{
		{"", "abc", "mycontainer/abc"},
		{"mycontainer-test-x", "abc", "mycontainer-test-x/abc"},
		{"mycontainer/tests", "a.b_c-1", "mycontainer/tests/a.b_c-1"},
	} {
		got, err := relPath(tc.parent, tc.id)
		if err != nil || got != tc.want {
			t.Errorf("relPath(%q, %q) = %q, %v", tc.parent, tc.id, got, err)
		}
	}
	for _, tc := range []struct{ parent, id string }{
		{"..", "abc"}, {"a/../b", "abc"}, {"/abs", "abc"}, {"a//b", "abc"}, {"a/", "abc"},
		{"", ""}, {"", ".."}, {"", "."}, {"", "a/b"}, {"", ".hidden"}, {"", "-x"}, {"", "a b"},
		{"", strings.Repeat("a", 201)},
	} {
		if _, err := relPath(tc.parent, tc.id); err == nil {
			t.Errorf("relPath(%q, %q) accepted", tc.parent, tc.id)
		}
	}
	_, err := New(Unified, "../etc", "x", nil)
	wantErr(t, err, `invalid cgroup parent ".."`)
	_, err = New(Mode(0), "", "x", nil)
	wantErr(t, err, "unknown mode")
	_, err = New(Unified, "", "x", &Resources{Memory: 1})
	wantErr(t, err, "below the minimum")
}
