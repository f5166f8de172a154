package cgroups

import (
	"path/filepath"
	"testing"
	"time"
)

// A v2 freeze completes when cgroup.events says "frozen 1": Freeze waits
// for it. Frozen reads the request, cgroup.freeze.
func TestV2FreezeWaitsForEvents(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{})
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	reads := 0
	m.fs = readHook{fsOps: f, before: func(path string) {
		if filepath.Base(path) == "cgroup.events" {
			if reads++; reads == 3 {
				f.file("mycontainer/abc/cgroup.events", "populated 1\nfrozen 1\n")
			}
		}
	}}
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if reads != 3 {
		t.Errorf("Freeze read cgroup.events %d times, want 3 (until frozen 1)", reads)
	}
	wantFrozen(t, m, true)
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	wantFrozen(t, m, false)
	wantList(t, "freeze writes", grep(f.writes(), "cgroup.freeze"), []string{
		"mycontainer/abc/cgroup.freeze=1", "mycontainer/abc/cgroup.freeze=0",
	})
}

func TestV2FreezeNeverSettles(t *testing.T) {
	shortSettle(t, 30*time.Millisecond)
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{})
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if err := m.Freeze(); err != nil { // the fake's events stay "frozen 0"
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond || d > time.Second {
		t.Errorf("Freeze returned after %v, want about FreezeSettle", d)
	}
	wantFrozen(t, m, true) // asked to freeze: paused
}

func TestV2FreezeErrorNamesFile(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{})
	wantErr(t, m.Freeze(), "cgroups: freeze: write 1 to "+filepath.Join(f.root, "mycontainer/abc/cgroup.freeze"))
	wantErr(t, m.Thaw(), "cgroups: thaw: write 0 to "+filepath.Join(f.root, "mycontainer/abc/cgroup.freeze"))
	_, err := m.Frozen()
	wantErr(t, err, "read freezer state", "mycontainer/abc/cgroup.freeze")
}

func TestV2CheckNotFrozen(t *testing.T) {
	for _, tc := range []struct {
		name    string
		create  bool
		frozen  string
		ownFile bool
	}{
		{name: "nothing exists yet"},
		{name: "all thawed", create: true},
		{name: "own frozen", create: true, frozen: "mycontainer/abc/cgroup.freeze", ownFile: true},
		{name: "parent frozen", create: true, frozen: "mycontainer/cgroup.freeze"},
		{name: "parent frozen, own not made yet", frozen: "mycontainer/cgroup.freeze"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newV2Fake(t, allV2)
			m := f.manager(t, Resources{})
			if tc.create {
				if err := m.Create(); err != nil {
					t.Fatal(err)
				}
			}
			if tc.frozen != "" {
				f.file(tc.frozen, "1\n")
			}
			err := m.CheckNotFrozen()
			if tc.frozen == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantFrozenError(t, err, f.root, tc.frozen, "1", tc.ownFile)
		})
	}
}

func TestV2Pids(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{})
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	pids, err := m.Pids()
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) != 1 || pids[0] != 77 {
		t.Errorf("Pids() = %v, want [77]", pids)
	}
}
