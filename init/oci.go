package containerinit

import (
	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// The OCI bundle's extra set-up, in the order the steps must run. The
// functions they call live in the files named after each job (caps.go,
// paths.go, hooks.go, ...).

// decodeExtras reads the bundle-only settings; `run` sends none.
func decodeExtras(r *reporter, bs *nsexec.Bootstrap) *Extras {
	if len(bs.Extras) == 0 {
		return nil
	}
	x, err := nsexec.DecodeExtras(bs.Extras)
	if err != nil {
		r.fail("decode bootstrap", "extras", err, "", exitRuntime)
	}
	return x
}

// finishRoot hardens the root once every mount of the plan is in place:
// devices, sysctls, masked and read-only paths, a read-only root. (The
// createContainer hooks ran before pivot_root, from the runtime: MsgHooks.)
func finishRoot(r *reporter, x *Extras) {
	if x == nil {
		return
	}
	t := now()
	root, err := unix.Open("/", unix.O_PATH|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		r.fail("open new root", "/", err, "", exitRuntime)
	}
	defer unix.Close(root)
	if err := applyRootExtras(root, x); err != nil {
		r.fail("finish the root", "/", err, "", exitRuntime)
	}
	r.step("masked/readonly paths, devices, sysctl", t)
}

// prepareProcess sets what must be set while still root: umask, rlimits,
// the OOM score.
func prepareProcess(r *reporter, x *Extras) {
	if x == nil {
		return
	}
	if err := applyProcessExtras(x); err != nil {
		r.fail("set process attributes", "", err, "", exitRuntime)
	}
}

// startContainerHooks run after `start`, right before the command.
func startContainerHooks(r *reporter, x *Extras) {
	if x == nil {
		return
	}
	if err := runHooks("startContainer", x.Hooks.StartContainer, x.Hooks.State); err != nil {
		r.fail("run hooks", "startContainer", err, "", exitRuntime)
	}
}
