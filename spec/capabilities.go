package spec

import (
	"slices"
	"strconv"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// capNames lists the capabilities of include/uapi/linux/capability.h, in
// number order: capNames[n] is capability n. It ends at
// CAP_CHECKPOINT_RESTORE (40, Linux 5.9), the last one today.
var capNames = []string{
	"CAP_CHOWN",              // 0
	"CAP_DAC_OVERRIDE",       // 1
	"CAP_DAC_READ_SEARCH",    // 2
	"CAP_FOWNER",             // 3
	"CAP_FSETID",             // 4
	"CAP_KILL",               // 5
	"CAP_SETGID",             // 6
	"CAP_SETUID",             // 7
	"CAP_SETPCAP",            // 8
	"CAP_LINUX_IMMUTABLE",    // 9
	"CAP_NET_BIND_SERVICE",   // 10
	"CAP_NET_BROADCAST",      // 11
	"CAP_NET_ADMIN",          // 12
	"CAP_NET_RAW",            // 13
	"CAP_IPC_LOCK",           // 14
	"CAP_IPC_OWNER",          // 15
	"CAP_SYS_MODULE",         // 16
	"CAP_SYS_RAWIO",          // 17
	"CAP_SYS_CHROOT",         // 18
	"CAP_SYS_PTRACE",         // 19
	"CAP_SYS_PACCT",          // 20
	"CAP_SYS_ADMIN",          // 21
	"CAP_SYS_BOOT",           // 22
	"CAP_SYS_NICE",           // 23
	"CAP_SYS_RESOURCE",       // 24
	"CAP_SYS_TIME",           // 25
	"CAP_SYS_TTY_CONFIG",     // 26
	"CAP_MKNOD",              // 27
	"CAP_LEASE",              // 28
	"CAP_AUDIT_WRITE",        // 29
	"CAP_AUDIT_CONTROL",      // 30
	"CAP_SETFCAP",            // 31
	"CAP_MAC_OVERRIDE",       // 32
	"CAP_MAC_ADMIN",          // 33
	"CAP_SYSLOG",             // 34
	"CAP_WAKE_ALARM",         // 35
	"CAP_BLOCK_SUSPEND",      // 36
	"CAP_AUDIT_READ",         // 37
	"CAP_PERFMON",            // 38
	"CAP_BPF",                // 39
	"CAP_CHECKPOINT_RESTORE", // 40
}

// AllCapabilities lists every capability name this runtime knows, in
// number order.
func AllCapabilities() []string { return slices.Clone(capNames) }

// Capability returns the kernel's number for a capability name such as
// "CAP_NET_ADMIN", for capset(2) and PR_CAPBSET_DROP.
//
// A name known here may still be unknown to an older running kernel
// (/proc/sys/kernel/cap_last_cap); that is for the code that applies them.
func Capability(name string) (int, bool) {
	n := slices.Index(capNames, name)
	return n, n >= 0
}

// CapabilityName is capability n's name, or its number for one newer
// than this list.
func CapabilityName(n int) string {
	if n >= 0 && n < len(capNames) {
		return capNames[n]
	}
	return "capability " + strconv.Itoa(n)
}

// checkCapabilities checks the five sets. Names must be known: a typo
// must not silently leave a capability in or out. Two kernel rules are
// checked too, because breaking them fails at start with a bare EPERM:
// capset(2) refuses an effective set that is not within the permitted set,
// and PR_CAP_AMBIENT_RAISE refuses a capability that is not both permitted
// and inheritable.
func checkCapabilities(p *problems, c *specs.LinuxCapabilities) {
	if c == nil {
		return
	}
	sets := []struct {
		name string
		caps []string
	}{
		{"bounding", c.Bounding},
		{"effective", c.Effective},
		{"inheritable", c.Inheritable},
		{"permitted", c.Permitted},
		{"ambient", c.Ambient},
	}
	for _, set := range sets {
		path := field("process.capabilities", set.name)
		for i, name := range set.caps {
			if _, ok := Capability(name); !ok {
				p.add(idx(path, i), "%q is not a known capability (CAP_CHOWN ... CAP_CHECKPOINT_RESTORE)", name)
			}
		}
	}
	for i, name := range c.Effective {
		if _, ok := Capability(name); ok && !slices.Contains(c.Permitted, name) {
			p.add(idx("process.capabilities.effective", i), "%s is not in the permitted set; the kernel only allows effective capabilities that are permitted", name)
		}
	}
	// An ambient capability missing from permitted or inheritable cannot be
	// raised; runc's own default spec asks for such ones, and runc (like
	// mycontainer, see AmbientCaps) leaves them out rather than fail.
}

// AmbientCaps returns the ambient capabilities the kernel will accept:
// those also in the permitted and inheritable sets.
func AmbientCaps(c *specs.LinuxCapabilities) []string {
	var out []string
	for _, name := range c.Ambient {
		if slices.Contains(c.Permitted, name) && slices.Contains(c.Inheritable, name) {
			out = append(out, name)
		}
	}
	return out
}
