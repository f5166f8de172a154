package spec

import (
	"fmt"
	"os"
)

// AppArmor and SELinux: mycontainer applies neither. A process that asks
// for a profile or a label must not run unconfined, so the request is
// refused; the error says whether the host could enforce one at all (a
// kernel without the LSM, or with it not enabled) or whether it is this
// runtime that cannot. config.json's process.apparmorProfile and
// selinuxLabel, and exec's --apparmor and --process-label, all go through
// here, so create and exec say the same.

// Where the kernel shows each LSM once it is enabled: securityfs's
// apparmor directory, selinuxfs's mount.
var (
	apparmorPath = "/sys/kernel/security/apparmor"
	selinuxPath  = "/sys/fs/selinux/enforce"
)

// CheckAppArmor refuses an AppArmor profile; the caller names where it
// came from.
func CheckAppArmor(profile string) error {
	if profile == "" {
		return nil
	}
	return lsmError("AppArmor profile", profile, "AppArmor", apparmorPath)
}

// CheckSELinux refuses an SELinux label.
func CheckSELinux(label string) error {
	if label == "" {
		return nil
	}
	return lsmError("SELinux label", label, "SELinux", selinuxPath)
}

func lsmError(kind, value, lsm, path string) error {
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("%s %q: this host has no %s enabled (no %s), so the process cannot be confined by it; drop it, or use a host with %s", kind, value, lsm, path, lsm)
	}
	return fmt.Errorf("%s %q: the host has %s, but mycontainer does not apply %s profiles or labels; refusing rather than run the process unconfined", kind, value, lsm, lsm)
}
