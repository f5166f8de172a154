package containerinit

import (
	"os"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// mountHelper is the short-lived process the runtime starts while init
// waits for the prestart, createRuntime and createContainer hooks
// (container/hooks_mounts.go). The constructor joined init's namespaces
// (all of them: procfs takes its PID namespace from its mounter, sysfs
// its network namespace, mqueue its IPC one) and opened the bind sources
// there. It makes the config's mounts under init's root, attached at its
// host path for the hooks (nsexec/root.c), with the same steps init
// makes after the pivot, and exits; init's plan has no mounts then.
func mountHelper(r *reporter, bs *nsexec.Bootstrap) {
	// Mount points and device nodes get exactly the modes asked for.
	unix.Umask(0)
	root, err := openAttachedRoot(bs.Rootfs)
	if err != nil {
		r.fail("open the root attached for the hooks", bs.Rootfs, err,
			"init waits there with its root attached until the hooks ran (nsexec/root.c)", exitRuntime)
	}
	// Every target is resolved inside root (rootfs.Apply: openat2
	// RESOLVE_IN_ROOT): here, unlike after the pivot, "/" is the host's
	// tree, and a symlink of the image that left the root would mount
	// (and make directories) on the host's files.
	applyMounts(r, root, bs.Mounts)
	unix.Close(root)
	os.Exit(0)
}

// openAttachedRoot opens the root as init attached it, by the host path
// the runtime resolved when it planned the container (filepath.EvalSymlinks
// in planRoot): so no component may be a symlink now, and a path that
// became one since is refused rather than followed.
func openAttachedRoot(path string) (int, error) {
	how := unix.OpenHow{Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC,
		Resolve: unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS}
	for {
		fd, err := unix.Openat2(unix.AT_FDCWD, path, &how)
		if err != unix.EINTR && err != unix.EAGAIN {
			return fd, err
		}
	}
}
