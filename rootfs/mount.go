package rootfs

import (
	"errors"
	"fmt"
	"strings"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// MountError says which mount step failed, on what, and why.
type MountError struct {
	Step string
	Path string
	Err  error
	Hint string
}

func (e *MountError) Error() string {
	s := fmt.Sprintf("%s %s: %v", e.Step, e.Path, e.Err)
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *MountError) Unwrap() error { return e.Err }

// Apply carries out one step of the plan inside the new root. root is an
// fd of the container's "/" (after pivot_root), bindFDs the detached trees
// the constructor opened before the pivot.
//
// Every mount uses the new mount API: the filesystem is created detached
// (fsopen/fsmount) and attached with move_mount onto the target's fd. The
// target is therefore resolved exactly once, inside the root.
func Apply(root int, m nsexec.Mount, bindFDs []int) error {
	step := "mount " + m.FSType
	switch m.Kind {
	case nsexec.MountBind:
		step = "bind " + m.Source
	case nsexec.MountDevices:
		step = "populate"
	case nsexec.MountSetattr:
		step = "set attributes of"
	}
	fail := func(err error, hint string) error {
		if errors.Is(err, unix.ELOOP) && m.NoFollow {
			hint = describeSymlink(root, m.Target) + "; refusing to mount through it"
		}
		return &MountError{Step: step, Path: m.Target, Err: err, Hint: hint}
	}

	var target int
	var err error
	if m.File {
		target, err = CreateFileInRoot(root, m.Target, m.NoFollow)
	} else {
		target, err = MkdirAllInRoot(root, m.Target, 0o755, m.NoFollow)
	}
	if err != nil {
		return fail(err, "")
	}
	defer unix.Close(target)
	if (m.Kind == nsexec.MountFS || m.Kind == nsexec.MountBind) && onProcfs(target) {
		// The plan refused destinations under /proc by their names;
		// this is where a destination really led: a symlink of the
		// rootfs that points into /proc is CVE-2023-27561's form.
		bind := m.Kind == nsexec.MountBind
		srcProc := bind && int(m.BindIdx) < len(bindFDs) && onProcfs(bindFDs[m.BindIdx])
		err := CheckProcMount(m.Target, m.FSType, bind, srcProc)
		if !UnderProc(m.Target) {
			err = errors.New("the destination leads into procfs (through a symlink of the rootfs); only procfs may be mounted on /proc (CVE-2023-27561)")
		}
		if err != nil {
			return fail(unix.EPERM, err.Error())
		}
	}

	switch m.Kind {
	case nsexec.MountFS:
		if err := mountFS(target, m); err != nil {
			return fail(err, "")
		}
	case nsexec.MountBind:
		if int(m.BindIdx) >= len(bindFDs) {
			return fail(unix.EINVAL, "bind index out of range")
		}
		fd := bindFDs[m.BindIdx]
		if m.RecAttr != 0 || m.RecClr != 0 {
			// "rro", "rrw" and their family: every mount of the detached
			// tree, before it is attached (no window without them).
			attr := unix.MountAttr{Attr_set: m.RecAttr, Attr_clr: m.RecClr}
			if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH|unix.AT_RECURSIVE, &attr); err != nil {
				return fail(err, "")
			}
		}
		if m.Attr != 0 || m.Clr != 0 {
			// The top mount only, as mount(8) and runc do for "rbind,ro":
			// a recursive attribute ("rro") is its own MountSetattr step.
			if err := unix.MountSetattr(fd, "", unix.AT_EMPTY_PATH, topAttr(m.Attr, m.Clr)); err != nil {
				return fail(err, "")
			}
		}
		if err := unix.MoveMount(fd, "", target, "", unix.MOVE_MOUNT_F_EMPTY_PATH|unix.MOVE_MOUNT_T_EMPTY_PATH); err != nil {
			return fail(err, "")
		}
		if err := propagate(fd, m.Propagation); err != nil {
			return fail(err, "")
		}
	case nsexec.MountDevices:
		if err := populateDev(target); err != nil {
			return fail(err, "")
		}
	case nsexec.MountSetattr:
		// The fd names the root of the mount at target (the lookup crossed
		// into it), so this changes that mount and nothing under it.
		if err := unix.MountSetattr(target, "", unix.AT_EMPTY_PATH, topAttr(m.Attr, m.Clr)); err != nil {
			return fail(err, "")
		}
	default:
		return fail(unix.EINVAL, fmt.Sprintf("unknown mount kind %d", m.Kind))
	}
	return nil
}

// mountFS creates a new filesystem instance and attaches it on target.
func mountFS(target int, m nsexec.Mount) error {
	fsfd, err := unix.Fsopen(m.FSType, unix.FSOPEN_CLOEXEC)
	if err != nil {
		if err == unix.ENOSYS {
			return errors.New("fsopen is missing: mycontainer needs Linux 5.12 or later")
		}
		return fmt.Errorf("fsopen: %w", err)
	}
	defer unix.Close(fsfd)
	if m.Source != "" {
		if err := unix.FsconfigSetString(fsfd, "source", m.Source); err != nil {
			return fsErr(fsfd, "source="+m.Source, err)
		}
	}
	for _, opt := range strings.Split(m.Data, ",") {
		if opt == "" {
			continue
		}
		k, v, hasVal := strings.Cut(opt, "=")
		if hasVal {
			err = unix.FsconfigSetString(fsfd, k, v)
		} else {
			err = unix.FsconfigSetFlag(fsfd, k)
		}
		if err != nil {
			return fsErr(fsfd, opt, err)
		}
	}
	if err := unix.FsconfigCreate(fsfd); err != nil {
		return fsErr(fsfd, "create", err)
	}
	// A new mount has no submounts: the recursive attributes are its own,
	// and they come after the top mount's, as runc applies them.
	mfd, err := unix.Fsmount(fsfd, unix.FSMOUNT_CLOEXEC, int(m.Attr&^m.RecClr|m.RecAttr))
	if err != nil {
		return fsErr(fsfd, "fsmount", err)
	}
	defer unix.Close(mfd)
	if err := moveOnto(mfd, target); err != nil {
		return err
	}
	return propagate(mfd, m.Propagation)
}

// topAttr sets and clears attributes on one mount. An atime mode
// (noatime, strictatime) replaces the mount's: mount_setattr(2) refuses
// one in attr_set without all of MOUNT_ATTR__ATIME in attr_clr (EINVAL: a
// bind with "noatime" failed so). relatime is mode 0: it comes as clr
// MOUNT_ATTR__ATIME alone.
func topAttr(set, clr uint64) *unix.MountAttr {
	attr := &unix.MountAttr{Attr_set: set, Attr_clr: clr}
	if set&unix.MOUNT_ATTR__ATIME != 0 {
		attr.Attr_clr |= unix.MOUNT_ATTR__ATIME
	}
	return attr
}

// propagate makes the propagation changes of a mount's options, in their
// order, on the attached mount fd names (MS_REC: and every submount).
// Propagation belongs to the mount in this namespace, so it is set once
// attached; mount_setattr takes one type per call.
func propagate(fd int, changes []uint32) error {
	for _, pr := range changes {
		flags := unix.AT_EMPTY_PATH
		if pr&unix.MS_REC != 0 {
			flags |= unix.AT_RECURSIVE
		}
		attr := unix.MountAttr{Propagation: uint64(pr &^ unix.MS_REC)}
		if err := unix.MountSetattr(fd, "", uint(flags), &attr); err != nil {
			return fmt.Errorf("set propagation %#x: %w", pr, err)
		}
	}
	return nil
}

// fsErr adds the kernel's own explanation, which fsopen fds make readable,
// to a failed fsconfig step.
func fsErr(fsfd int, what string, err error) error {
	buf := make([]byte, 256)
	if n, rerr := unix.Read(fsfd, buf); rerr == nil && n > 0 {
		return fmt.Errorf("%s: %w (kernel says %q)", what, err, strings.TrimSpace(string(buf[:n])))
	}
	return fmt.Errorf("%s: %w", what, err)
}
