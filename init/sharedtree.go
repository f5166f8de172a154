package containerinit

import (
	"errors"

	"mycontainer/nsexec"
)

// checkSharedTree is init's own refusal, behind the config's validation
// (spec.checkSharedMountTree) and the constructor's (plan.c): a container
// without a mount namespace of its own (Bootstrap.RootChroot) shares its
// mount tree with the runtime, or with the namespace it joined, and a
// mount or a node made there would outlive it and show to every other
// process of that tree. So nothing of the plan that mounts or makes a
// node may run; a plan that has any is a bug, and stops here.
func checkSharedTree(bs *nsexec.Bootstrap, x *Extras) error {
	if !bs.RootChroot {
		return nil
	}
	if len(bs.Mounts) > 0 {
		return errors.New("mounts in a mount tree shared with the runtime")
	}
	if x != nil && (len(x.MaskedPaths) > 0 || len(x.ReadonlyPaths) > 0 || len(x.Devices) > 0 ||
		x.ReadonlyRoot || x.ReadonlyDev || x.RootPropagation != 0) {
		return errors.New("masked or read-only paths, devices, a read-only root or a root propagation in a mount tree shared with the runtime")
	}
	return nil
}
