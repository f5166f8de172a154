package container

import (
	"errors"
	"fmt"

	"mycontainer/cgroups"
	"mycontainer/ocilog"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// applyDeviceRules enforces linux.resources.devices through the cgroup
// (v1 devices.allow/deny, a v2 eBPF program; the cgroups package adds the
// defaults every container keeps). Without them a container with
// CAP_MKNOD could open any device node it creates.
func applyDeviceRules(cg *Cgroup, r *specs.LinuxResources, log *ocilog.Logger) error {
	if r == nil || len(r.Devices) == 0 {
		return nil
	}
	rules, err := deviceRules(r.Devices)
	if err != nil {
		return err
	}
	err = cg.Manager().SetDevices(rules)
	if errors.Is(err, cgroups.ErrNoDevicesController) {
		log.Errorf("warning: no devices cgroup is mounted: linux.resources.devices is not enforced")
		return nil
	}
	if err != nil {
		return fmt.Errorf("linux.resources.devices: %w", err)
	}
	return nil
}

// deviceRules converts the spec's rules, index for index. An absent type
// is "a" and an absent (or -1) major or minor is any, as spec.Validate
// documents; an absent access stays "" (all).
func deviceRules(in []specs.LinuxDeviceCgroup) ([]cgroups.DeviceRule, error) {
	out := make([]cgroups.DeviceRule, 0, len(in))
	for i, d := range in {
		r := cgroups.DeviceRule{Allow: d.Allow, Major: cgroups.AnyDevice, Minor: cgroups.AnyDevice, Access: d.Access}
		switch d.Type {
		case "", "a":
			r.Type = 'a'
		case "b", "c":
			r.Type = d.Type[0]
		default:
			return nil, fmt.Errorf("linux.resources.devices[%d]: type %q is not a, b or c", i, d.Type)
		}
		if d.Major != nil {
			r.Major = *d.Major
		}
		if d.Minor != nil {
			r.Minor = *d.Minor
		}
		out = append(out, r)
	}
	return out, nil
}
