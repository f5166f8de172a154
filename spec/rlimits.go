package spec

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// rlimitNames are the resources of setrlimit(2), in the kernel's order
// (include/uapi/asm-generic/resource.h). The numbers differ on a few
// architectures, so whoever applies them takes the numbers from x/sys/unix.
var rlimitNames = []string{
	"RLIMIT_CPU",        // CPU time in seconds
	"RLIMIT_FSIZE",      // largest file
	"RLIMIT_DATA",       // data segment
	"RLIMIT_STACK",      // stack
	"RLIMIT_CORE",       // core file
	"RLIMIT_RSS",        // resident set (no effect since 2.6)
	"RLIMIT_NPROC",      // processes of the real uid
	"RLIMIT_NOFILE",     // open files
	"RLIMIT_MEMLOCK",    // locked memory
	"RLIMIT_AS",         // address space
	"RLIMIT_LOCKS",      // file locks (no effect)
	"RLIMIT_SIGPENDING", // queued signals
	"RLIMIT_MSGQUEUE",   // POSIX message queue bytes
	"RLIMIT_NICE",       // nice ceiling
	"RLIMIT_RTPRIO",     // real-time priority ceiling
	"RLIMIT_RTTIME",     // real-time CPU time in microseconds
}

// IsRlimit reports whether name is an rlimit type the kernel knows.
func IsRlimit(name string) bool {
	for _, n := range rlimitNames {
		if n == name {
			return true
		}
	}
	return false
}

// checkRlimits: each type must be known (setrlimit would fail with
// EINVAL), soft must not exceed hard (the kernel's rule, EINVAL too), and
// a type may appear once (the spec: "MUST NOT contain duplicated
// entries" - which one would win?).
func checkRlimits(p *problems, rl []specs.POSIXRlimit) {
	seen := map[string]int{}
	for i, r := range rl {
		path := idx("process.rlimits", i)
		if !IsRlimit(r.Type) {
			p.add(field(path, "type"), "%q is not a known rlimit (RLIMIT_NOFILE, RLIMIT_NPROC, ...)", r.Type)
			continue
		}
		if j, dup := seen[r.Type]; dup {
			p.add(field(path, "type"), "%s is already set by process.rlimits[%d]", r.Type, j)
		}
		seen[r.Type] = i
		if r.Soft > r.Hard {
			p.add(field(path, "soft"), "%s soft limit %s is above the hard limit %s", r.Type, rlimitValue(r.Soft), rlimitValue(r.Hard))
		}
	}
}

func rlimitValue(v uint64) string {
	if v == ^uint64(0) {
		return "unlimited"
	}
	return fmt.Sprint(v)
}
