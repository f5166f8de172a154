package containerinit

import (
	"fmt"
	"unsafe"

	"golang.org/x/sys/unix"
)

// switchCredentials turns the calling thread into the container user, with
// the capabilities, no_new_privs and seccomp filter the spec asks for. The
// caller has locked the OS thread and execs right after: credentials are
// per thread in the kernel, and execve keeps only the calling thread, so
// raw per-thread syscalls are exact (syscall.Setuid would change every Go
// thread, which is not needed and costs a signal round to each).
//
// The order is forced by the kernel:
//  1. PR_CAPBSET_DROP needs CAP_SETPCAP, so the bounding set shrinks first.
//  2. PR_SET_KEEPCAPS, or leaving uid 0 clears the permitted set.
//  3. setgroups, setresgid, setresuid: groups and gid need CAP_SETGID, so
//     before the uid. Leaving uid 0 also clears the effective and ambient
//     sets and the parent-death signal; the latter is re-armed here.
//  4. capset(effective, permitted, inheritable), then the ambient set,
//     which needs its capabilities already permitted and inheritable.
//  5. no_new_privs, then seccomp LAST, so the filter does not have to allow
//     any of the above.
//
// With x.Caps nil the kernel's usual rule applies: uid 0 keeps every
// capability, any other uid loses them all.
func switchCredentials(uid, gid uint32, groups []uint32, x *Extras) error {
	if x == nil {
		x = &Extras{}
	}
	want, managed, err := wantedCaps(uid, x)
	if err != nil {
		return err
	}
	// Loading a filter without no_new_privs needs CAP_SYS_ADMIN in the
	// effective set. When the spec drops it, keep it until the filter is
	// in, then drop it with one last capset (which the filter must allow,
	// as every engine's default profile does).
	admin := capBit(unix.CAP_SYS_ADMIN)
	late := managed && len(x.Seccomp) > 0 && !x.NoNewPrivs && want.eff&admin == 0
	last := lastCap()
	if managed {
		if err := beforeUIDChange(want, last); err != nil {
			return err
		}
	}
	if err := changeIDs(uid, gid, groups); err != nil {
		return err
	}
	if managed {
		install := want
		if late {
			install.eff, install.perm = want.eff|admin, want.perm|admin
		}
		if err := afterUIDChange(install, last); err != nil {
			return err
		}
	}
	return lockDown(x, want, late)
}

// beforeUIDChange (steps 1 and 2): shrink the bounding set while
// CAP_SETPCAP is still there, and keep the permitted set across the uid
// change.
func beforeUIDChange(want capSets, last int) error {
	if err := dropBounding(want.bnd, last); err != nil {
		return err
	}
	if err := prctl(unix.PR_SET_KEEPCAPS, 1, 0); err != nil {
		return fmt.Errorf("prctl PR_SET_KEEPCAPS: %w", err)
	}
	return nil
}

// changeIDs (step 3) sets groups, gid and uid, and re-arms the
// parent-death signal, which the kernel clears on any euid/egid change:
// the command must still die with the runtime (see thread.go).
func changeIDs(uid, gid uint32, groups []uint32) error {
	var pdeath int32
	if err := prctl(unix.PR_GET_PDEATHSIG, uintptr(unsafe.Pointer(&pdeath)), 0); err != nil {
		return fmt.Errorf("prctl PR_GET_PDEATHSIG: %w", err)
	}
	if err := setIDs(uid, gid, groups); err != nil {
		return err
	}
	if pdeath != 0 {
		if err := prctl(unix.PR_SET_PDEATHSIG, uintptr(pdeath), 0); err != nil {
			return fmt.Errorf("prctl PR_SET_PDEATHSIG: %w", err)
		}
	}
	return nil
}

// afterUIDChange (step 4): install the sets the spec asks for.
func afterUIDChange(want capSets, last int) error {
	// execve clears keepcaps anyway; clearing it now keeps the rule
	// simple for anything that changes uid between here and there.
	if err := prctl(unix.PR_SET_KEEPCAPS, 0, 0); err != nil {
		return fmt.Errorf("prctl PR_SET_KEEPCAPS: %w", err)
	}
	if err := capset(want.eff, want.perm, want.inh); err != nil {
		return err
	}
	return setAmbient(want.amb, last)
}

// lockDown (step 5): no_new_privs, then the seccomp filter last; with
// late, the sets the spec wants go in after it, which drops the
// CAP_SYS_ADMIN kept for loading the filter.
func lockDown(x *Extras, want capSets, late bool) error {
	if x.NoNewPrivs {
		if err := prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0); err != nil {
			return fmt.Errorf("prctl PR_SET_NO_NEW_PRIVS: %w", err)
		}
	}
	if len(x.Seccomp) > 0 {
		if err := loadSeccomp(x.Seccomp, x.SeccompFlags); err != nil {
			return err
		}
	}
	if late {
		if err := capset(want.eff, want.perm, want.inh); err != nil {
			return fmt.Errorf("drop CAP_SYS_ADMIN after loading seccomp (the filter must allow capset): %w", err)
		}
	}
	return nil
}

// wantedCaps says which sets to install, and whether to manage them at all.
// Caps nil with a non-root uid is managed as "all empty" only when a filter
// must be loaded without no_new_privs: CAP_SYS_ADMIN has to outlive the
// uid change for that, and the end result is the kernel's usual one.
func wantedCaps(uid uint32, x *Extras) (capSets, bool, error) {
	if x.Caps != nil {
		s, err := parseCaps(x.Caps)
		return s, true, err
	}
	if uid != 0 && len(x.Seccomp) > 0 && !x.NoNewPrivs {
		return capSets{bnd: ^uint64(0)}, true, nil
	}
	return capSets{}, false, nil
}

// setIDs sets supplementary groups, gid and uid on this thread only.
// setgroups goes first: it needs CAP_SETGID, gone after the uid change.
func setIDs(uid, gid uint32, groups []uint32) error {
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, uintptr(len(groups)), uintptrOf(groups), 0); e != 0 {
		return fmt.Errorf("setgroups %v: %w", groups, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, uintptr(gid), uintptr(gid), uintptr(gid)); e != 0 {
		return fmt.Errorf("setresgid %d: %w", gid, e)
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, uintptr(uid), uintptr(uid), uintptr(uid)); e != 0 {
		return fmt.Errorf("setresuid %d: %w", uid, e)
	}
	return nil
}
