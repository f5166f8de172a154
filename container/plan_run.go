package container

import (
	"mycontainer/nsexec"
	"mycontainer/rootfs"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// PlanRun turns the friendly `run`'s in-memory config.json into the
// bootstrap, through the same planning as an OCI bundle: one code path
// from the spec on. What only `run` does is set by the caller on the
// result (PID 1 mode, death with the runtime, the recursive read-only
// host root). sc carries the compiled default profile when the cache had
// it (then s holds no profile).
func PlanRun(s *specs.Spec, sc seccompIn, layout *rootfs.CgroupLayout) (*nsexec.Bootstrap, error) {
	p, err := planBundle(s, sc, "/", layout)
	if err != nil {
		return nil, err
	}
	if !p.extras.Empty() {
		p.encodeExtras(nil)
	}
	return p.bs, nil
}
