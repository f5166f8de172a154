package container

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// execStackLimit is the soft RLIMIT_STACK the command's execve will run
// under: the one process.rlimits sets (init applies it before the exec),
// or else the runtime's own, which init inherits.
func execStackLimit(rl []specs.POSIXRlimit) uint64 {
	for _, r := range rl {
		if r.Type == "RLIMIT_STACK" {
			return r.Soft
		}
	}
	var own unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_STACK, &own); err != nil {
		return 8 << 20 // the kernel's default (_STK_LIM)
	}
	return own.Cur
}
