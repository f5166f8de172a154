package containerinit

import (
	"fmt"
	"strconv"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// capSets are the five capability sets as 64-bit masks (bit n = CAP n).
type capSets struct{ bnd, eff, perm, inh, amb uint64 }

func capBit(c int) uint64 { return 1 << uint(c) }

// parseCaps turns the spec's lists into masks and checks the kernel's
// invariants up front, so a bad spec gets a message naming the set instead
// of a bare EPERM from capset or prctl: effective must be within permitted
// (capset), ambient within permitted AND inheritable (PR_CAP_AMBIENT_RAISE),
// inheritable within bounding (capset, without CAP_SETPCAP in the new set).
func parseCaps(c *Capabilities) (capSets, error) {
	var s capSets
	for _, f := range []struct {
		name string
		list []int
		dst  *uint64
	}{{"bounding", c.Bounding, &s.bnd}, {"effective", c.Effective, &s.eff},
		{"permitted", c.Permitted, &s.perm}, {"inheritable", c.Inheritable, &s.inh},
		{"ambient", c.Ambient, &s.amb}} {
		for _, n := range f.list {
			if n < 0 || n > 63 {
				return s, fmt.Errorf("%s capability %d: no such capability", f.name, n)
			}
			*f.dst |= capBit(n)
		}
	}
	if x := s.eff &^ s.perm; x != 0 {
		return s, fmt.Errorf("effective capabilities %s are not permitted", capList(x))
	}
	if x := s.amb &^ (s.perm & s.inh); x != 0 {
		return s, fmt.Errorf("ambient capabilities %s must be both permitted and inheritable", capList(x))
	}
	if x := s.inh &^ s.bnd; x != 0 {
		return s, fmt.Errorf("inheritable capabilities %s are not in the bounding set", capList(x))
	}
	return s, nil
}

func capList(m uint64) string {
	var out []string
	for c := 0; c < 64; c++ {
		if m&capBit(c) != 0 {
			out = append(out, strconv.Itoa(c))
		}
	}
	return strings.Join(out, ",")
}

// lastCap is the highest capability this kernel knows. It is asked of the
// kernel itself (PR_CAPBSET_READ fails with EINVAL past the last one),
// because a kernel newer than x/sys knows more and a bounding loop that
// stopped at the compile-time CAP_LAST_CAP would leave those raised. It
// used to read /proc/sys/kernel/cap_last_cap, but that is the container's
// /proc: a fake one (a volume over /proc, or a tmpfs a container with
// CAP_SYS_ADMIN mounted over /proc/sys/kernel before an `exec`) saying 0
// left the whole bounding set raised (the CVE-2019-16884 / CVE-2023-27561
// class: a fake /proc defeats the hardening).
func lastCap() int {
	last := -1
	for c := 0; c < 64; c++ {
		if _, _, e := unix.RawSyscall6(unix.SYS_PRCTL, unix.PR_CAPBSET_READ, uintptr(c), 0, 0, 0, 0); e != 0 {
			break
		}
		last = c
	}
	if last < 0 {
		return unix.CAP_LAST_CAP
	}
	return last
}

// prctl is a raw per-thread prctl: capabilities, securebits, no_new_privs
// and the parent-death signal all belong to the calling thread. Unused
// arguments are zero, as PR_CAP_AMBIENT and PR_SET_NO_NEW_PRIVS demand.
func prctl(op, a2, a3 uintptr) error {
	if _, _, e := unix.RawSyscall6(unix.SYS_PRCTL, op, a2, a3, 0, 0, 0); e != 0 {
		return e
	}
	return nil
}

// dropBounding removes from this thread's bounding set every capability
// the spec leaves out. It needs CAP_SETPCAP in the effective set, so it
// runs while still root, before the uid change.
func dropBounding(keep uint64, last int) error {
	for c := 0; c <= last; c++ {
		if keep&capBit(c) == 0 {
			if err := prctl(unix.PR_CAPBSET_DROP, uintptr(c), 0); err != nil {
				return fmt.Errorf("drop capability %d from the bounding set: %w", c, err)
			}
		}
	}
	return nil
}

// capset sets this thread's effective, permitted and inheritable sets in
// one raw capset(2) call (version 3: two 32-bit words per set).
func capset(eff, perm, inh uint64) error {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	for i := range data {
		sh := uint(32 * i)
		data[i] = unix.CapUserData{Effective: uint32(eff >> sh), Permitted: uint32(perm >> sh), Inheritable: uint32(inh >> sh)}
	}
	_, _, e := unix.RawSyscall(unix.SYS_CAPSET, uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0)
	if e != 0 {
		return fmt.Errorf("capset effective=[%s] permitted=[%s] inheritable=[%s]: %w", capList(eff), capList(perm), capList(inh), e)
	}
	return nil
}

// setAmbient makes the ambient set exactly amb. Ambient capabilities are
// the only way a non-root command keeps a capability across execve without
// file capabilities. The uid change has cleared the set (the kernel always
// does, keepcaps or not), so this runs after it and after capset.
func setAmbient(amb uint64, last int) error {
	if err := prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0); err != nil {
		return fmt.Errorf("clear the ambient set: %w", err)
	}
	for c := 0; c <= last; c++ {
		if amb&capBit(c) != 0 {
			if err := prctl(unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_RAISE, uintptr(c)); err != nil {
				return fmt.Errorf("raise ambient capability %d: %w", c, err)
			}
		}
	}
	return nil
}
