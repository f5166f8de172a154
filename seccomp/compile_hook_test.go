package seccomp

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"

	"mycontainer/seccomp/compile"
)

// The unit tests compile in their own process, with the package the helper
// runs; the helper's round trip is tested by the root suite (tests/).
func init() {
	compileProfile = func(s *specs.LinuxSeccomp) (Reply, error) {
		prog, flags, skipped, err := compile.CompileReport(s)
		return Reply{Prog: prog, Flags: flags, Skipped: skipped}, err
	}
}
