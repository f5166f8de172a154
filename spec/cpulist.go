package spec

import (
	"strconv"
	"strings"
)

// badCPUList checks the kernel's list syntax for cpuset.cpus and
// cpuset.mems as docker accepts it: numbers and ascending ranges separated
// by commas, "0-3,5". The kernel also takes strides ("0-7:2"); docker and
// the cgroups package do not, so neither do we. It returns "" when valid.
func badCPUList(s string) string {
	const want = `want numbers and ranges separated by commas, like "0-3,5"`
	for _, item := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(item, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil || !allDigits(lo) {
			return "bad item " + strconv.Quote(item) + "; " + want
		}
		if isRange {
			b, err := strconv.ParseUint(hi, 10, 16)
			if err != nil || !allDigits(hi) {
				return "bad item " + strconv.Quote(item) + "; " + want
			}
			if b < a {
				return "range " + strconv.Quote(item) + " runs backwards"
			}
		}
	}
	return ""
}
