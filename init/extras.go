package containerinit

import "mycontainer/nsexec"

// The OCI bundle's extra settings are defined beside their wire codec in
// nsexec (extras.go there), so the runtime can build them without
// importing this package. These aliases keep init's code short: init
// only reads them.
type (
	Extras       = nsexec.Extras
	Rlimit       = nsexec.Rlimit
	Capabilities = nsexec.Capabilities
	Sysctl       = nsexec.Sysctl
	Device       = nsexec.Device
	Hook         = nsexec.Hook
	HookLists    = nsexec.HookLists
)
