package container

import (
	"fmt"
	"os"

	"mycontainer/nsexec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// config.md runs createRuntime and createContainer hooks "after the
// runtime environment has been created (according to the configuration
// in config.json) but before pivot_root": the config's mounts exist when
// they run. init makes its mounts after the pivot, in Go; a hook that
// made a node or a bind under a tmpfs the config puts on /dev (podman
// does; nvidia-container-toolkit's hook makes device nodes there) saw it
// covered by that tmpfs a moment later.
//
// So when a config has such hooks, the mounts move out of init's plan
// into a mount helper: a short-lived process of this binary that the
// runtime starts while init waits for the hooks (nsexec/root.c), before
// the first one. Its constructor joins init's namespaces the way `exec`
// joins them (nsexec/join.c) and opens the bind sources there as init
// would; Go then makes the very same steps (rootfs.Apply) under the root
// init attached at root.path, and exits. The hooks see the mounts (a
// createContainer hook is in that mount namespace; a createRuntime hook
// can enter it by init's PID), and pivot_root moves the root with every
// mount on it, so init has nothing left to mount and goes on with what
// comes after the mounts (masked and read-only paths, linux.devices, ...).
//
// Why a helper and not the C constructor making the mounts before the
// pause: C stays a small executor that parses no mount options, and a
// container without these hooks pays nothing. The helper runs the
// runtime's binary inside the container's namespaces, so it gets what
// every such stage gets against CVE-2019-5736 (nsexec/exe.go: a
// read-only bind of the binary, never the file on disk; not dumpable
// from its first instruction), and no process of the container exists
// yet while it runs: init waits in C, and no hook has started.

// splitMountsForHooks moves the mount steps of init's plan into the
// mount helper's; nil when there is nothing to mount (a root without a
// mount namespace of its own takes no mounts at all).
func splitMountsForHooks(bs *nsexec.Bootstrap) *nsexec.Bootstrap {
	if bs.RootChroot || len(bs.Mounts) == 0 {
		return nil
	}
	h := &nsexec.Bootstrap{Exec: true, MountHelper: true, Rootfs: bs.Rootfs, Debug: bs.Debug,
		// It dies with the runtime, as init does until create returns.
		Pdeathsig: true,
		Mounts:    bs.Mounts, BindSources: bs.BindSources, BindPeers: bs.BindPeers}
	bs.Mounts, bs.BindSources, bs.BindPeers = nil, nil, nil
	return h
}

// runMountHelper makes the mounts of h (from splitMountsForHooks) in
// init's namespaces and waits for the helper to finish.
func runMountHelper(h *nsexec.Bootstrap, initPID int, nss []specs.LinuxNamespace, tl *Timeline) error {
	if h == nil {
		return nil
	}
	t := Now()
	bs := *h
	bs.Join = nil
	for _, ns := range nss {
		name, ok := nsProcNames[ns.Type]
		if !ok {
			return fmt.Errorf("mounts before the hooks: linux.namespaces: %q is not supported", ns.Type)
		}
		bs.Join = append(bs.Join, nsexec.JoinNS{Type: nsFlags[ns.Type], Path: fmt.Sprintf("/proc/%d/ns/%s", initPID, name)})
	}
	// Nothing of the runtime's caller reaches it: it reports on its
	// socket, and a Go panic shows in its exit status.
	null, err := os.OpenFile("/dev/null", os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("mounts before the hooks: open /dev/null: %w", err)
	}
	defer null.Close()
	fd := int(null.Fd())
	st, err := nsexec.Start(&bs, nsexec.StartOptions{Stdio: [3]int{fd, fd, fd}, CgroupFD: -1})
	if err != nil {
		return fmt.Errorf("mounts before the hooks: %w", err)
	}
	failure, helper, rerr := readMountHelper(st.Sock, tl)
	unix.Close(st.Sock)
	if rerr != nil && helper > 0 {
		_ = unix.Kill(helper, unix.SIGKILL)
	}
	var ws unix.WaitStatus
	waitChild(st.PID, &ws)
	stage1 := ws
	if helper > 0 {
		waitChild(helper, &ws)
	}
	switch {
	case failure != nil:
		failure.Msg = "make the config's mounts before the hooks: " + failure.Msg
		return failure
	case rerr != nil:
		return Errorf(ExitRuntime, "make the config's mounts before the hooks: read from the mount helper: %w", rerr)
	case helper == 0:
		return Errorf(ExitRuntime, "make the config's mounts before the hooks: its stage-1 exited with %s and no message", describe(stage1))
	case ws.Exited() && ws.ExitStatus() == 0:
		tl.Add("mounts before the hooks", t, Now())
		return nil
	}
	return Errorf(ExitRuntime, "make the config's mounts before the hooks: the mount helper (pid %d) exited with %s and no message", helper, describe(ws))
}

// readMountHelper reads the helper's frames until both its stages have
// closed the socket: its PID, its timeline, its one error.
func readMountHelper(sock int, tl *Timeline) (failure *Error, helper int, err error) {
	for {
		b, fds, err := nsexec.Recv(sock)
		closeAll(fds) // it never sends one
		if err != nil || b == nil {
			return failure, helper, err
		}
		typ, attrs, err := nsexec.ParseFrame(b)
		if err != nil {
			return failure, helper, err
		}
		switch typ {
		case nsexec.MsgPID:
			pid, err := attrU32(attrs, nsexec.LPID)
			if err != nil || pid == 0 {
				return failure, helper, fmt.Errorf("bad helper PID: %v", err)
			}
			helper = int(pid)
		case nsexec.MsgLog:
			name, start, end := decodeLog(attrs)
			tl.Add("mount helper: "+name, start, end)
		case nsexec.MsgError:
			failure = decodeError(attrs)
		}
	}
}

// waitChild reaps one child of ours; the runner's SIGCHLD channel may see
// its exit too, which its own waits (by PID) take as a spurious wake-up.
func waitChild(pid int, ws *unix.WaitStatus) {
	for {
		if _, err := unix.Wait4(pid, ws, 0, nil); err != unix.EINTR {
			return
		}
	}
}
