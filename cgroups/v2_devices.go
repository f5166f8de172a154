package cgroups

import (
	"errors"
	"slices"

	"golang.org/x/sys/unix"
)

// SetDevices compiles the rules, followed by DefaultDeviceRules, into one
// CGROUP_DEVICE eBPF program (v2_devices_prog.go) and attaches it to the
// container's cgroup, where it lives as long as the cgroup. No rules
// change nothing.
func (m *v2Manager) SetDevices(rules []DeviceRule) error {
	if len(rules) == 0 {
		return nil
	}
	prog := deviceProgram(bpfRules(slices.Concat(rules, DefaultDeviceRules)))
	if err := m.attachDevices(m.Path(), prog); err != nil {
		hint := ""
		if errors.Is(err, unix.EPERM) {
			hint = "loading and attaching a cgroup eBPF program needs CAP_SYS_ADMIN (or CAP_BPF with CAP_NET_ADMIN) in the initial user namespace"
		}
		return stepErr("set devices", err, hint)
	}
	return nil
}
