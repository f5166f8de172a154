package cgroups

import (
	"errors"
	"fmt"
)

// DeviceRule is one rule of the device controller: which device nodes the
// container's processes may create (mknod) and open. v1 writes it to
// devices.allow or devices.deny; v2 compiles the list into an eBPF
// program. A later rule overrides an earlier one.
type DeviceRule struct {
	Allow bool
	// Type is 'a' (every device; then Major and Minor are AnyDevice), 'b'
	// (block) or 'c' (character).
	Type         byte
	Major, Minor int64  // AnyDevice matches every number
	Access       string // letters of "rwm" (read, write, mknod); "" is all
}

// AnyDevice in Major or Minor matches every number (the kernel's "*").
const AnyDevice = -1

// String is the kernel's v1 syntax: "c 1:3 rwm", "b *:* m", or "a" for
// every device with every access.
func (r DeviceRule) String() string {
	if r.Type == 'a' {
		return "a"
	}
	num := func(n int64) string {
		if n == AnyDevice {
			return "*"
		}
		return fmt.Sprint(n)
	}
	access := r.Access
	if access == "" {
		access = "rwm"
	}
	return fmt.Sprintf("%c %s:%s %s", r.Type, num(r.Major), num(r.Minor), access)
}

// DefaultDeviceRules are applied after the caller's rules, so they win:
// the nodes every container gets in /dev (and mknod of any node, which
// grants no access by itself) stay usable whatever the rules denied, as
// in runc. Engines send "deny all" and rely on this list.
var DefaultDeviceRules = []DeviceRule{
	{Allow: true, Type: 'c', Major: AnyDevice, Minor: AnyDevice, Access: "m"}, // mknod only
	{Allow: true, Type: 'b', Major: AnyDevice, Minor: AnyDevice, Access: "m"},
	{Allow: true, Type: 'c', Major: 1, Minor: 3, Access: "rwm"},           // null
	{Allow: true, Type: 'c', Major: 1, Minor: 5, Access: "rwm"},           // zero
	{Allow: true, Type: 'c', Major: 1, Minor: 7, Access: "rwm"},           // full
	{Allow: true, Type: 'c', Major: 1, Minor: 8, Access: "rwm"},           // random
	{Allow: true, Type: 'c', Major: 1, Minor: 9, Access: "rwm"},           // urandom
	{Allow: true, Type: 'c', Major: 5, Minor: 0, Access: "rwm"},           // tty
	{Allow: true, Type: 'c', Major: 5, Minor: 1, Access: "rwm"},           // console
	{Allow: true, Type: 'c', Major: 5, Minor: 2, Access: "rwm"},           // ptmx
	{Allow: true, Type: 'c', Major: 136, Minor: AnyDevice, Access: "rwm"}, // pts
}

// ErrNoDevicesController: on v1, no hierarchy holds the devices
// controller, so SetDevices could enforce nothing. The caller decides
// whether that is fatal.
var ErrNoDevicesController = errors.New("cgroups: set devices: no v1 devices hierarchy is mounted, so device rules are not enforced (see /proc/self/mountinfo)")
