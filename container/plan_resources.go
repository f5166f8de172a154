package container

import (
	"fmt"

	"mycontainer/cgroups"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// resources maps the spec's cgroup resources to the manager's: the typed
// fields, and the one-file limits for the host's version (unified: v2).
func resources(r *specs.LinuxResources, unified bool) (*cgroups.Resources, error) {
	res := &cgroups.Resources{}
	files, err := fileSettings(r, unified)
	if err != nil {
		return nil, err
	}
	res.Files = files
	if m := r.Memory; m != nil {
		if m.Limit != nil {
			res.Memory = *m.Limit
		}
		if m.Swap != nil {
			res.MemorySwap = *m.Swap
		}
		if m.Reservation != nil {
			res.MemoryReservation = *m.Reservation
		}
	}
	if c := r.CPU; c != nil {
		if c.Shares != nil {
			res.CPUShares = *c.Shares
		}
		if c.Quota != nil {
			res.CPUQuota = *c.Quota
		}
		if c.Period != nil {
			res.CPUPeriod = *c.Period
		}
		res.CpusetCpus, res.CpusetMems = c.Cpus, c.Mems
	}
	if r.Pids != nil {
		res.PidsLimit = r.Pids.Limit
	}
	if r.BlockIO != nil && r.BlockIO.Weight != nil {
		res.BlkioWeight = *r.BlockIO.Weight
	}
	if err := res.Validate(); err != nil {
		return nil, fmt.Errorf("linux.resources: %w", err)
	}
	return res, nil
}
