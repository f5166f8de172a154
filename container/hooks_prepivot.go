package container

import (
	"fmt"
	"runtime"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// The hooks config.md places after the mount namespace is set up and
// before pivot_root. init stops there (MsgHooks, nsexec/root.c) with its
// root attached at root.path, and the runtime runs them:
//   - prestart and createRuntime in the runtime's own namespaces;
//   - createContainer in the container's namespaces (config.md: "MUST be
//     executed in the container namespace"), with its path resolved in
//     the runtime's ("MUST resolve in the runtime namespace"). Before the
//     pivot the container's mount namespace still holds the host's tree,
//     so both hold, and a hook that bind-mounts onto a path under
//     root.path mounts into the container's root, as GPU and library
//     injection hooks do.

// containerNamespaces are joined by a createContainer hook, the mount
// namespace last: once in it, /proc is the container's copy.
var containerNamespaces = []struct {
	name string
	typ  int
}{
	{"cgroup", unix.CLONE_NEWCGROUP},
	{"ipc", unix.CLONE_NEWIPC},
	{"uts", unix.CLONE_NEWUTS},
	{"net", unix.CLONE_NEWNET},
	// For children only: the hooks are in the container's PID
	// namespace, so they die with its init.
	{"pid", unix.CLONE_NEWPID},
	{"mnt", unix.CLONE_NEWNS},
}

// runContainerHooks runs hooks, stopping at the first failure, from a
// thread that joined init's namespaces: Go forks os/exec children from
// the calling thread, and a locked thread can enter a mount namespace on
// its own once it stops sharing its fs_struct (setns(2): CLONE_NEWNS
// refuses a caller that shares it). That thread must never run anything
// else, and must not end either: Go would end a locked thread with its
// goroutine, and init's PR_SET_PDEATHSIG fires when its parent *thread*
// ends (init is a CLONE_PARENT child of whichever thread forked stage-1,
// which may be this one). So the goroutine stays parked on its thread
// until the runtime exits.
func runContainerHooks(kind string, hooks []specs.Hook, in []byte, initPID int, cg *Cgroup) error {
	if len(hooks) == 0 {
		return nil
	}
	hcg, err := newHookCgroup(cg)
	if err != nil {
		return err
	}
	fds := make([]int, 0, len(containerNamespaces))
	defer func() { closeAll(fds) }()
	for _, ns := range containerNamespaces {
		p := fmt.Sprintf("/proc/%d/ns/%s", initPID, ns.name)
		fd, err := unix.Open(p, unix.O_RDONLY|unix.O_CLOEXEC, 0)
		if err != nil {
			return fmt.Errorf("%s hooks: open the container's namespace %s: %w", kind, p, err)
		}
		fds = append(fds, fd)
	}
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: see above
		defer func() { select {} }()
		// The cgroup first, while the thread still sees the runtime's
		// cgroup paths and mount tree.
		if err := hcg.enter(); err != nil {
			done <- err
			return
		}
		if err := unix.Unshare(unix.CLONE_FS); err != nil {
			done <- fmt.Errorf("%s hooks: unshare the thread's fs_struct: %w", kind, err)
			return
		}
		for i, ns := range containerNamespaces {
			if ns.typ == unix.CLONE_NEWCGROUP && hcg.intoV2() {
				// clone3(CLONE_INTO_CGROUP) requires the caller's own
				// cgroup and the target to lie inside the caller's cgroup
				// namespace (cgroup_attach_permissions: ENOENT otherwise);
				// in the container's namespace the runtime's cgroup is
				// outside it, and every hook failed to start with "no
				// such file or directory" (the cgroup v2 VM). So this
				// thread keeps the runtime's cgroup namespace, and each
				// hook unshares one once it is in the container's cgroup
				// (hookCgroup.sysProcAttr): rooted there, as the
				// container's own is (its init made it in that cgroup).
				other, nerr := otherCgroupNS(initPID)
				if nerr != nil {
					done <- fmt.Errorf("%s hooks: %w", kind, nerr)
					return
				}
				hcg.newNS = other
				continue
			}
			if err := unix.Setns(fds[i], ns.typ); err != nil {
				done <- fmt.Errorf("%s hooks: join the container's %s namespace (init %d): %w", kind, ns.name, initPID, err)
				return
			}
		}
		for i, h := range hooks {
			if err := runHookWith(kind, i, h, in, hcg.sysProcAttr()); err != nil {
				done <- err
				return
			}
		}
		done <- nil
	}()
	err = <-done
	// From this thread, in the runtime's namespaces: the hook thread is
	// parked in the container's.
	if lerr := hcg.leave(); err == nil {
		err = lerr
	}
	return err
}
