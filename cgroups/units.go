package cgroups

import (
	"fmt"
	"math"
	"math/big"
	"runtime"
	"strings"
)

// Docker's size units are powers of 1024 whatever the spelling: "64m",
// "64M", "64mb" and "64MiB" are all 64 MiB, and "b" alone is bytes.
var sizeUnits = map[byte]int64{
	'k': 1 << 10,
	'm': 1 << 20,
	'g': 1 << 30,
	't': 1 << 40,
	'p': 1 << 50,
}

const sizeSyntax = `want a number of bytes with an optional unit k, m, g, t or p (powers of 1024), for example "64m" or "1.5g"`

// ParseBytes parses a size the way docker's --memory does: "100" is 100
// bytes, "512k", "64m", "1g", "1.5g" use powers of 1024, and an optional
// "b"/"ib" suffix and one space before the unit are accepted. Fractions of
// a byte are truncated. Negative sizes are rejected; ParseMemorySwap is the
// one place that accepts "-1".
func ParseBytes(s string) (int64, error) {
	in := strings.TrimSpace(s)
	if in == "" {
		return 0, fmt.Errorf("cgroups: invalid size %q: empty; %s", s, sizeSyntax)
	}
	if in[0] == '-' {
		return 0, fmt.Errorf("cgroups: invalid size %q: negative sizes are not allowed", s)
	}
	// Split the number from the unit.
	i := 0
	for i < len(in) && (in[i] >= '0' && in[i] <= '9' || in[i] == '.') {
		i++
	}
	num, suffix := in[:i], strings.ToLower(in[i:])
	suffix = strings.TrimPrefix(suffix, " ")
	mult := int64(1)
	if suffix != "" {
		if u, ok := sizeUnits[suffix[0]]; ok {
			mult = u
			suffix = strings.TrimPrefix(suffix[1:], "i")
		}
		suffix = strings.TrimPrefix(suffix, "b")
	}
	if suffix != "" {
		return 0, fmt.Errorf("cgroups: invalid size %q: unknown unit; %s", s, sizeSyntax)
	}
	whole, frac, ok := splitDecimal(num)
	if !ok {
		return 0, fmt.Errorf("cgroups: invalid size %q: %s", s, sizeSyntax)
	}
	// Exact arithmetic: float64 would turn "0.1g" into 107374182.40000001.
	v := new(big.Int).Mul(whole, big.NewInt(mult))
	if frac.Sign() != 0 {
		f := new(big.Rat).Mul(frac, new(big.Rat).SetInt64(mult))
		v.Add(v, new(big.Int).Quo(f.Num(), f.Denom()))
	}
	if !v.IsInt64() {
		return 0, fmt.Errorf("cgroups: invalid size %q: larger than %d bytes", s, int64(math.MaxInt64))
	}
	return v.Int64(), nil
}

// ParseMemorySwap parses --memory-swap: a size as ParseBytes, or "-1" for
// unlimited swap (docker's only negative size).
func ParseMemorySwap(s string) (int64, error) {
	if strings.TrimSpace(s) == "-1" {
		return -1, nil
	}
	v, err := ParseBytes(s)
	if err != nil {
		return 0, fmt.Errorf("%w (or -1 for unlimited swap)", err)
	}
	return v, nil
}

// splitDecimal splits "12.34" into 12 and 34/100. It accepts only digits
// with at most one dot and at least one digit before it.
func splitDecimal(s string) (*big.Int, *big.Rat, bool) {
	w, f, hasDot := strings.Cut(s, ".")
	if w == "" || !allDigits(w) || (hasDot && (f == "" || !allDigits(f))) {
		return nil, nil, false
	}
	whole, _ := new(big.Int).SetString(w, 10)
	frac := new(big.Rat)
	if f != "" {
		frac.SetString("0." + f)
	}
	return whole, frac, true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// DefaultCPUPeriod is the CFS period that --cpus uses, in microseconds
// (100ms, the kernel's own default).
const DefaultCPUPeriod uint64 = 100000

// Kernel bounds of CFS bandwidth control (kernel/sched/core.c): quota and
// period are at least 1ms, and the period is at most 1s. Measured on the
// build host: cpu.cfs_quota_us=999 and cpu.cfs_period_us=999 or 1000001
// give EINVAL.
const (
	MinCPUQuota  int64  = 1000
	MinCPUPeriod uint64 = 1000
	MaxCPUPeriod uint64 = 1000000
)

// ParseCPUs turns docker's --cpus (a decimal number of CPUs, e.g. "0.5" or
// "1.5") into a CFS quota over DefaultCPUPeriod: "0.5" -> 50000, 100000.
// Like docker, it allows at most 9 decimal places (nano-CPUs) and refuses
// more CPUs than this process may run on. "0" means no limit and returns
// 0, 0. A value that would give less than the kernel's 1ms minimum quota
// (under 0.01 CPUs) is an error.
func ParseCPUs(s string) (quota int64, period uint64, err error) {
	return parseCPUs(s, runtime.NumCPU())
}

func parseCPUs(s string, ncpu int) (int64, uint64, error) {
	in := strings.TrimSpace(s)
	if strings.HasPrefix(in, "-") {
		return 0, 0, fmt.Errorf("cgroups: invalid --cpus %q: must not be negative", s)
	}
	whole, frac, ok := splitDecimal(in)
	if !ok {
		return 0, 0, fmt.Errorf(`cgroups: invalid --cpus %q: want a decimal number of CPUs, for example "0.5" or "2"`, s)
	}
	cpus := new(big.Rat).Add(new(big.Rat).SetInt(whole), frac)
	nano := new(big.Rat).Mul(cpus, big.NewRat(1e9, 1))
	if !nano.IsInt() {
		return 0, 0, fmt.Errorf("cgroups: invalid --cpus %q: at most 9 decimal places", s)
	}
	if cpus.Sign() == 0 {
		return 0, 0, nil
	}
	if cpus.Cmp(big.NewRat(int64(ncpu), 1)) > 0 {
		return 0, 0, fmt.Errorf("cgroups: invalid --cpus %q: only %d CPUs are available, so the range is 0.01 to %d", s, ncpu, ncpu)
	}
	// quota = cpus * period; nano-CPUs times 100000us / 1e9.
	q := new(big.Int).Quo(new(big.Int).Mul(nano.Num(), new(big.Int).SetUint64(DefaultCPUPeriod)), big.NewInt(1e9))
	if !q.IsInt64() || q.Int64() < MinCPUQuota {
		return 0, 0, fmt.Errorf("cgroups: invalid --cpus %q: below the kernel minimum; the quota would be %sus per %dus period, and the kernel needs at least %dus (--cpus 0.01)", s, q, DefaultCPUPeriod, MinCPUQuota)
	}
	return q.Int64(), DefaultCPUPeriod, nil
}
