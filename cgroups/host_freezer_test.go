package cgroups

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Freeze, Frozen, CheckNotFrozen and Thaw on the real freezer, with a
// process of the test's own in the cgroup.
func TestHostFreezeThaw(t *testing.T) {
	m, mode, _ := hostManager(t, nil)
	c := start(t, true, nil, "sleep", "60")
	if err := m.Apply(c.cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	if pids, err := m.Pids(); err != nil || len(pids) != 1 || pids[0] != c.cmd.Process.Pid {
		t.Fatalf("Pids() = %v, %v; want [%d]", pids, err, c.cmd.Process.Pid)
	}
	// Registered after hostManager's clean-up, so it runs first: a frozen
	// cgroup must not outlive a failed test.
	t.Cleanup(func() { _ = m.Thaw() })
	if err := m.Freeze(); err != nil {
		t.Fatal(err)
	}
	if mode.IsV2() {
		if ev := readFile(t, filepath.Join(m.Path(), "cgroup.events")); !strings.Contains(ev, "frozen 1") {
			t.Errorf("Freeze returned before the freeze completed: cgroup.events %q", ev)
		}
	} else if s := readFile(t, filepath.Join(m.Paths()["freezer"], "freezer.state")); s != "FROZEN" {
		t.Errorf("Freeze returned with freezer.state %q", s)
	}
	if frozen, err := m.Frozen(); err != nil || !frozen {
		t.Errorf("Frozen() = %v, %v after Freeze", frozen, err)
	}
	var fe *FrozenError
	if err := m.CheckNotFrozen(); !errors.As(err, &fe) || !fe.Own {
		t.Errorf("CheckNotFrozen of a frozen cgroup: %v", err)
	}
	if err := m.Thaw(); err != nil {
		t.Fatal(err)
	}
	if frozen, err := m.Frozen(); err != nil || frozen {
		t.Errorf("Frozen() = %v, %v after Thaw", frozen, err)
	}
	if err := m.CheckNotFrozen(); err != nil {
		t.Errorf("CheckNotFrozen after Thaw: %v", err)
	}
}

// SetDevices with "deny all": on v1 devices.list keeps only the
// defaults; on v2 the program loads and attaches (the verifier accepts
// it).
func TestHostSetDevices(t *testing.T) {
	m, mode, _ := hostManager(t, nil)
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	err := m.SetDevices([]DeviceRule{{Type: 'a', Major: AnyDevice, Minor: AnyDevice}})
	if !mode.IsV2() && m.Paths()["devices"] == "" {
		if !errors.Is(err, ErrNoDevicesController) {
			t.Fatalf("no devices hierarchy: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	if mode.IsV2() {
		return
	}
	b, err := os.ReadFile(filepath.Join(m.Paths()["devices"], "devices.list"))
	if err != nil {
		t.Fatal(err)
	}
	list := strings.TrimSpace(string(b))
	if strings.Contains(list, "a *:* rwm") || !strings.Contains(list, "c 1:3 rwm") || !strings.Contains(list, "c 136:* rwm") {
		t.Errorf("devices.list after deny all and the defaults:\n%s", list)
	}
}
