package cgroups

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// Resources are the limits `run` flags ask for.
//
// The zero value of every field means "not set": nothing is written and the
// cgroup inherits its parent's setting. The only other sentinel is -1,
// where docker has one: MemorySwap -1 is unlimited swap and PidsLimit -1 is
// no pids limit (both written as the kernel's "max"/-1).
type Resources struct {
	// Memory is the hard limit in bytes (--memory). Docker's minimum is 6 MiB.
	Memory int64
	// MemorySwap is docker's --memory-swap: memory plus swap, in bytes,
	// so it must be >= Memory; -1 is unlimited swap. When it is 0 and
	// Memory is set, docker lets the container use as much swap as memory
	// (MemorySwap = 2*Memory); the managers do the same where the kernel
	// accounts swap, and skip it quietly where it does not.
	MemorySwap int64
	// MemoryReservation is the soft limit in bytes (--memory-reservation):
	// v1 memory.soft_limit_in_bytes, v2 memory.low.
	MemoryReservation int64

	// CPUQuota and CPUPeriod are the CFS bandwidth in microseconds, from
	// --cpus (see ParseCPUs). A quota without a period uses
	// DefaultCPUPeriod.
	CPUQuota  int64
	CPUPeriod uint64
	// CPUShares is the v1 relative weight, 2..262144 (1024 is the
	// default); v2 gets the equivalent cpu.weight (SharesToWeight).
	CPUShares uint64

	// CpusetCpus and CpusetMems are kernel CPU / NUMA node lists like
	// "0-2,4".
	CpusetCpus string
	CpusetMems string

	// PidsLimit is the maximum number of tasks; -1 is unlimited.
	PidsLimit int64

	// BlkioWeight is the v1 blkio weight, 10..1000; v2 gets the equivalent
	// io.weight (BlkioToIOWeight).
	BlkioWeight uint16

	// Files are the limits of linux.resources that have no field above,
	// written as they are (see FileSetting).
	Files []FileSetting
}

// IsZero reports whether no limit at all is set.
func (r *Resources) IsZero() bool {
	return reflect.DeepEqual(*r, Resources{Files: r.Files}) && len(r.Files) == 0
}

// Docker's bounds for the flags. The kernel accepts less (v1 memory takes
// 4096, and rounds 1000 down to a 0-byte limit; cpu.shares silently clamps
// to 2..262144), so these are enforced here where the kernel would not
// complain.
const (
	MinMemory      int64  = 6 << 20 // docker's linuxMinMemory
	MinCPUShares   uint64 = 2
	MaxCPUShares   uint64 = 262144
	MinBlkioWeight uint16 = 10
	MaxBlkioWeight uint16 = 1000
)

// Validate checks every set field, and the fields against each other, with
// docker's rules. It collects every problem rather than stopping at the
// first, so a user fixes all flags in one go.
func (r *Resources) Validate() error {
	if r == nil {
		return nil
	}
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("cgroups: invalid resources: "+format, args...))
	}

	switch {
	case r.Memory < 0:
		bad("--memory %d is negative", r.Memory)
	case r.Memory > 0 && r.Memory < MinMemory:
		bad("--memory %d is below the minimum of %d bytes (6m)", r.Memory, MinMemory)
	}
	switch {
	case r.MemorySwap < -1:
		bad("--memory-swap %d is negative (only -1, unlimited, is allowed)", r.MemorySwap)
	case r.MemorySwap != 0 && r.Memory == 0:
		bad("--memory-swap needs --memory as well, because it is the total of memory and swap")
	case r.MemorySwap > 0 && r.MemorySwap < r.Memory:
		bad("--memory-swap %d is less than --memory %d; it is the total of memory and swap, so it must be at least the memory limit", r.MemorySwap, r.Memory)
	}
	switch {
	case r.MemoryReservation < 0:
		bad("--memory-reservation %d is negative", r.MemoryReservation)
	case r.MemoryReservation > 0 && r.MemoryReservation < MinMemory:
		bad("--memory-reservation %d is below the minimum of %d bytes (6m)", r.MemoryReservation, MinMemory)
	case r.MemoryReservation > 0 && r.Memory > 0 && r.Memory < r.MemoryReservation:
		bad("--memory %d is less than --memory-reservation %d; the soft limit must not exceed the hard limit", r.Memory, r.MemoryReservation)
	}

	switch {
	case r.CPUQuota < 0:
		bad("CPU quota %d is negative", r.CPUQuota)
	case r.CPUQuota > 0 && r.CPUQuota < MinCPUQuota:
		bad("CPU quota %dus is below the kernel minimum of %dus (1ms)", r.CPUQuota, MinCPUQuota)
	}
	if r.CPUPeriod != 0 && (r.CPUPeriod < MinCPUPeriod || r.CPUPeriod > MaxCPUPeriod) {
		bad("CPU period %dus is outside the kernel's range %d..%dus (1ms to 1s)", r.CPUPeriod, MinCPUPeriod, MaxCPUPeriod)
	}
	if r.CPUShares != 0 && (r.CPUShares < MinCPUShares || r.CPUShares > MaxCPUShares) {
		bad("--cpu-shares %d is outside %d..%d", r.CPUShares, MinCPUShares, MaxCPUShares)
	}

	if r.CpusetCpus != "" {
		if err := checkList(r.CpusetCpus); err != nil {
			bad("--cpuset-cpus %q: %v", r.CpusetCpus, err)
		}
	}
	if r.CpusetMems != "" {
		if err := checkList(r.CpusetMems); err != nil {
			bad("--cpuset-mems %q: %v", r.CpusetMems, err)
		}
	}

	if r.PidsLimit < -1 {
		bad("--pids-limit %d is negative (only -1, unlimited, is allowed)", r.PidsLimit)
	}
	if r.BlkioWeight != 0 && (r.BlkioWeight < MinBlkioWeight || r.BlkioWeight > MaxBlkioWeight) {
		bad("--blkio-weight %d is outside %d..%d", r.BlkioWeight, MinBlkioWeight, MaxBlkioWeight)
	}
	return errors.Join(errs...)
}

// checkList checks the kernel's list syntax as docker accepts it: comma
// separated numbers or ascending ranges, "0-2,4". The kernel also knows
// strides ("0-7:2") but docker does not, so neither do we.
func checkList(s string) error {
	const want = `want numbers and ranges separated by commas, for example "0-2,4"`
	for _, item := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil || !allDigits(lo) {
			return fmt.Errorf("bad item %q; %s", item, want)
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 16)
			if err != nil || !allDigits(hi) {
				return fmt.Errorf("bad item %q; %s", item, want)
			}
			if b < a {
				return fmt.Errorf("range %q runs backwards", item)
			}
		}
	}
	return nil
}

// swapTotal is the memory+swap limit docker semantics give, and whether it
// was asked for explicitly. 0 means "do not write".
func (r *Resources) swapTotal() (total int64, explicit bool) {
	switch {
	case r.MemorySwap != 0:
		return r.MemorySwap, true
	case r.Memory > 0:
		return 2 * r.Memory, false
	}
	return 0, false
}

// cpuPeriod is the period to write with the quota.
func (r *Resources) cpuPeriod() uint64 {
	if r.CPUPeriod == 0 && r.CPUQuota > 0 {
		return DefaultCPUPeriod
	}
	return r.CPUPeriod
}

// SharesToWeight converts v1 cpu.shares (2..262144) to v2 cpu.weight
// (1..10000) linearly, the mapping runc and crun use:
// 2 -> 1, 1024 -> 39, 262144 -> 10000. 0 stays 0 (not set).
func SharesToWeight(shares uint64) uint64 {
	if shares == 0 {
		return 0
	}
	if shares < MinCPUShares {
		shares = MinCPUShares
	}
	if shares > MaxCPUShares {
		shares = MaxCPUShares
	}
	return 1 + ((shares-2)*9999)/262142
}

// BlkioToIOWeight converts a v1 blkio weight (10..1000) to v2 io.weight
// (1..10000) linearly: 10 -> 1, 500 -> 4950, 1000 -> 10000. 0 stays 0.
func BlkioToIOWeight(w uint16) uint64 {
	if w == 0 {
		return 0
	}
	if w < MinBlkioWeight {
		w = MinBlkioWeight
	}
	if w > MaxBlkioWeight {
		w = MaxBlkioWeight
	}
	return 1 + (uint64(w)-10)*9999/990
}
