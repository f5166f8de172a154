package cgroups

import (
	"fmt"
	"path/filepath"
)

// SetDevices writes the rules in order into devices.allow or devices.deny
// of the devices hierarchy, then DefaultDeviceRules into devices.allow.
// Each write changes the cgroup's list at once, so the order is the
// rules' order. No rules change nothing.
func (m *v1Manager) SetDevices(rules []DeviceRule) error {
	if len(rules) == 0 {
		return nil
	}
	d := m.dir("devices")
	if d == "" {
		return ErrNoDevicesController
	}
	var ws []limitWrite
	for i, r := range rules {
		file := "devices.deny"
		if r.Allow {
			file = "devices.allow"
		}
		ws = append(ws, limitWrite{Step: fmt.Sprintf("apply device rule %d", i), Path: filepath.Join(d, file), Value: r.String()})
	}
	for _, r := range DefaultDeviceRules {
		ws = append(ws, limitWrite{Step: "allow default device", Path: filepath.Join(d, "devices.allow"), Value: r.String()})
	}
	return runWrites(m.fs, ws)
}
