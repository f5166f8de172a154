package cgroups

import (
	"path/filepath"
	"testing"
	"time"
)

const v1State = "freezer/mycontainer/abc/freezer.state"

// A v1 freeze is FREEZING until every task has stopped: Freeze waits for
// FROZEN, so pause returns a paused container.
func TestV1FreezeWaitsForFrozen(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	f.onWrite = func(path, value string) {
		if filepath.Base(path) == "freezer.state" && value == "FROZEN" {
			f.file(v1State, "FREEZING\n")
		}
	}
	reads := 0
	m.fs = readHook{fsOps: f, before: func(path string) {
		if filepath.Base(path) == "freezer.state" {
			if reads++; reads == 3 {
				f.file(v1State, "FROZEN\n")
			}
		}
	}}
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if reads != 3 {
		t.Errorf("Freeze read freezer.state %d times, want 3 (until FROZEN)", reads)
	}
	wantFrozen(t, m, true)
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	wantFrozen(t, m, false)
	wantList(t, "freezer writes", grep(f.writes(), "freezer.state"), []string{
		v1State + "=FROZEN", v1State + "=THAWED",
	})
}

// A task in D state keeps the cgroup FREEZING: Freeze gives up waiting
// after FreezeSettle without an error, and the cgroup is not "frozen".
func TestV1FreezeStuckFreezing(t *testing.T) {
	shortSettle(t, 30*time.Millisecond)
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	f.onWrite = func(path, value string) {
		if filepath.Base(path) == "freezer.state" && value == "FROZEN" {
			f.file(v1State, "FREEZING\n")
		}
	}
	start := time.Now()
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d < 30*time.Millisecond || d > time.Second {
		t.Errorf("Freeze returned after %v, want about FreezeSettle", d)
	}
	wantFrozen(t, m, false)
}

func TestV1FreezeErrorNamesFile(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	// No Create: the directory does not exist.
	wantErr(t, m.Freeze(), "cgroups: freeze: write FROZEN to "+filepath.Join(f.root, v1State))
	wantErr(t, m.Thaw(), "cgroups: thaw: write THAWED to "+filepath.Join(f.root, v1State))
	_, err := m.Frozen()
	wantErr(t, err, "read freezer state", v1State)
}

func TestV1WithoutFreezer(t *testing.T) {
	f := newV1Fake(t)
	delete(f.mounts, "freezer")
	m, err := newV1(f, f.mounts, "mycontainer/abc", Resources{})
	if err != nil {
		t.Fatal(err)
	}
	wantErr(t, m.Freeze(), "cgroups: freeze: no v1 freezer hierarchy is mounted")
	wantErr(t, m.Thaw(), "cgroups: thaw: no v1 freezer hierarchy is mounted")
	wantFrozen(t, m, false)
	if err := m.CheckNotFrozen(); err != nil {
		t.Errorf("CheckNotFrozen without a freezer: %v", err)
	}
}

func TestV1CheckNotFrozen(t *testing.T) {
	for _, tc := range []struct {
		name    string
		create  bool   // the container's cgroup exists
		frozen  string // the freezer.state that is not THAWED, relative to the root
		value   string
		ownFile bool
	}{
		{name: "nothing exists yet"},
		{name: "all thawed", create: true},
		{name: "own frozen", create: true, frozen: v1State, value: "FROZEN", ownFile: true},
		{name: "own freezing", create: true, frozen: v1State, value: "FREEZING", ownFile: true},
		{name: "parent frozen", create: true, frozen: "freezer/mycontainer/freezer.state", value: "FROZEN"},
		{name: "parent frozen, own not made yet", frozen: "freezer/mycontainer/freezer.state", value: "FROZEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newV1Fake(t)
			m := f.manager(t, Resources{})
			if tc.create {
				if err := m.Create(); err != nil {
					t.Fatal(err)
				}
			}
			if tc.frozen != "" {
				f.file(tc.frozen, tc.value+"\n")
			}
			err := m.CheckNotFrozen()
			if tc.frozen == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantFrozenError(t, err, f.root, tc.frozen, tc.value, tc.ownFile)
		})
	}
}

func TestV1Pids(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	f.file("memory/mycontainer/abc/cgroup.procs", "7\n9\n")
	pids, err := m.Pids()
	if err != nil {
		t.Fatal(err)
	}
	if len(pids) != 2 || pids[0] != 7 || pids[1] != 9 {
		t.Errorf("Pids() = %v, want [7 9]", pids)
	}
	f.file("memory/mycontainer/abc/cgroup.procs", "7\nx\n")
	_, err = m.Pids()
	wantErr(t, err, "cgroups: list processes", `bad pid "x"`)
}
