package cgroups

import (
	"errors"
	"testing"
)

// The rules go to devices.deny or devices.allow in their order, in the
// kernel's syntax, then the defaults to devices.allow.
func TestV1SetDevicesWritesInOrder(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	if err := m.SetDevices(nil); err != nil || len(grep(f.writes(), "devices.")) != 0 {
		t.Fatalf("no rules: err %v, writes %q; want nothing done", err, grep(f.writes(), "devices."))
	}
	err := m.SetDevices([]DeviceRule{
		{Allow: false, Type: 'a', Major: AnyDevice, Minor: AnyDevice, Access: "rwm"},
		{Allow: true, Type: 'c', Major: 10, Minor: 200},
		{Allow: false, Type: 'b', Major: 8, Minor: AnyDevice, Access: "w"},
	})
	if err != nil {
		t.Fatal(err)
	}
	d := "devices/mycontainer/abc/"
	want := []string{d + "devices.deny=a", d + "devices.allow=c 10:200 rwm", d + "devices.deny=b 8:* w"}
	for _, r := range []string{"c *:* m", "b *:* m", "c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm",
		"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm"} {
		want = append(want, d+"devices.allow="+r)
	}
	wantList(t, "device writes", grep(f.writes(), "devices."), want)
}

func TestV1SetDevicesErrorNamesRule(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	// No Create: the directory does not exist.
	err := m.SetDevices([]DeviceRule{{Allow: true, Type: 'c', Major: 1, Minor: 3, Access: "r"}})
	wantErr(t, err, "cgroups: apply device rule 0: write c 1:3 r to "+f.root+"/devices/mycontainer/abc/devices.allow")
}

func TestV1SetDevicesWithoutController(t *testing.T) {
	f := newV1Fake(t)
	delete(f.mounts, "devices")
	m, err := newV1(f, f.mounts, "mycontainer/abc", Resources{})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetDevices(DefaultDeviceRules); !errors.Is(err, ErrNoDevicesController) {
		t.Errorf("SetDevices without a devices hierarchy: %v, want ErrNoDevicesController", err)
	}
}
