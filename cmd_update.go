package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"mycontainer/cgroups"
	"mycontainer/container"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// update changes a container's limits: a linux.resources object from a
// file or stdin (-r), or runc's flags, one per limit.
func (c *cli) update(o *container.OCI) error {
	u := c.Update
	r, err := u.fromFlags()
	if err != nil {
		return err
	}
	if u.Resources != "" {
		if r != nil {
			return errors.New("--resources and a limit flag: give the limits one way, in the JSON or as flags")
		}
		if r, err = u.fromJSON(); err != nil {
			return err
		}
	}
	if r == nil {
		return errors.New("no limit given: use --resources FILE (- for stdin) or a flag such as --memory (see update --help)")
	}
	// Every field goes to Update, which applies it or names the field and
	// why this host cannot (a missing controller or file), as create does.
	return o.Update(u.ID, r)
}

func (u *updateCmd) fromJSON() (*specs.LinuxResources, error) {
	var b []byte
	var err error
	if u.Resources == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(u.Resources)
	}
	if err != nil {
		return nil, fmt.Errorf("--resources: %w", err)
	}
	r := &specs.LinuxResources{}
	if err := json.Unmarshal(b, r); err != nil {
		return nil, fmt.Errorf("--resources %s: %w", u.Resources, err)
	}
	return r, nil
}

// fromFlags builds the resources the flags name; nil without any.
func (u *updateCmd) fromFlags() (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	set := false
	mem := func() *specs.LinuxMemory {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		return r.Memory
	}
	cpu := func() *specs.LinuxCPU {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		return r.CPU
	}
	var errs []error
	bytes := func(flag, v string, swap bool, dst func() **int64) {
		if v == "" {
			return
		}
		set = true
		parse := cgroups.ParseBytes
		if swap {
			parse = cgroups.ParseMemorySwap
		}
		n, err := parse(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s: %w", flag, err))
			return
		}
		*dst() = &n
	}
	ints := func(flag, v string, bits int, signed bool, store func(u uint64, i int64)) {
		if v == "" {
			return
		}
		set = true
		if signed {
			n, err := strconv.ParseInt(v, 10, bits)
			if err != nil {
				errs = append(errs, fmt.Errorf("--%s %q: want a whole number", flag, v))
				return
			}
			store(0, n)
			return
		}
		n, err := strconv.ParseUint(v, 10, bits)
		if err != nil {
			errs = append(errs, fmt.Errorf("--%s %q: want a whole number, 0 or more", flag, v))
			return
		}
		store(n, 0)
	}
	bytes("memory", u.Memory, false, func() **int64 { return &mem().Limit })
	bytes("memory-reservation", u.MemoryReservation, false, func() **int64 { return &mem().Reservation })
	bytes("memory-swap", u.MemorySwap, true, func() **int64 { return &mem().Swap })
	bytes("kernel-memory", u.KernelMemory, false, func() **int64 { return &mem().Kernel })
	bytes("kernel-memory-tcp", u.KernelMemoryTCP, false, func() **int64 { return &mem().KernelTCP })
	ints("cpu-share", u.CPUShare, 64, false, func(n uint64, _ int64) { cpu().Shares = &n })
	ints("cpu-period", u.CPUPeriod, 64, false, func(n uint64, _ int64) { cpu().Period = &n })
	ints("cpu-quota", u.CPUQuota, 64, true, func(_ uint64, n int64) { cpu().Quota = &n })
	ints("cpu-rt-period", u.CPURtPeriod, 64, false, func(n uint64, _ int64) { cpu().RealtimePeriod = &n })
	ints("cpu-rt-runtime", u.CPURtRuntime, 64, true, func(_ uint64, n int64) { cpu().RealtimeRuntime = &n })
	ints("blkio-weight", u.BlkioWeight, 16, false, func(n uint64, _ int64) {
		w := uint16(n)
		r.BlockIO = &specs.LinuxBlockIO{Weight: &w}
	})
	ints("pids-limit", u.PidsLimit, 64, true, func(_ uint64, n int64) { r.Pids = &specs.LinuxPids{Limit: n} })
	if u.CpusetCpus != "" {
		set = true
		cpu().Cpus = u.CpusetCpus
	}
	if u.CpusetMems != "" {
		set = true
		cpu().Mems = u.CpusetMems
	}
	if u.L3CacheSchema != "" || u.MemBwSchema != "" {
		errs = append(errs, errors.New("--l3-cache-schema, --mem-bw-schema: Intel RDT (resctrl) is not supported"))
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if !set {
		return nil, nil
	}
	return r, nil
}
