package nsexec

// Extras is the part of a container's set-up that only OCI bundles ask
// for: process attributes beyond argv/env/user, and hardening of the
// root. The parent fills it from config.json and sends it as one bootstrap
// attribute (extras_wire.go: nested attributes that Go writes and reads;
// the C constructor skips them). A zero Extras changes nothing.
type Extras struct {
	Umask       *uint32
	NoNewPrivs  bool
	OOMScoreAdj *int
	Rlimits     []Rlimit
	// Capabilities: nil keeps every capability (the `run` default); a
	// non-nil value sets all five sets exactly, by capability number.
	Caps *Capabilities

	MaskedPaths   []string
	ReadonlyPaths []string
	Sysctl        []Sysctl
	Devices       []Device
	ReadonlyRoot  bool // root.readonly: the root mount only (not Bootstrap.HostRootReadonly)
	// ReadonlyDev: the config's /dev tmpfs has "ro". It is mounted
	// writable, filled (default nodes, linux.devices), then made
	// read-only: the nodes must exist before nothing can be created.
	ReadonlyDev bool
	// RootPropagation is linux.rootfsPropagation as MS_* flags (0: keep
	// the rslave the constructor set), applied to "/" after the mounts.
	RootPropagation uint32
	Seccomp         []byte // a compiled classic BPF program (struct sock_filter array)
	SeccompFlags    uint
	Hooks           HookLists
}

// Rlimit is one resource limit, by its RLIMIT_* number.
type Rlimit struct {
	Type int
	Soft uint64
	Hard uint64
}

// Capabilities are the five capability sets, as lists of numbers.
type Capabilities struct {
	Bounding    []int
	Effective   []int
	Inheritable []int
	Permitted   []int
	Ambient     []int
}

// Sysctl is one /proc/sys setting.
type Sysctl struct {
	Key   string // dotted, e.g. net.ipv4.ip_forward
	Value string
}

// Device is a node to create in the container's /dev.
type Device struct {
	Path  string
	Type  string // c, b, u or p
	Major int64
	Minor int64
	Mode  uint32
	UID   uint32
	GID   uint32
}

// Hook is a program the OCI spec runs at a given moment.
type Hook struct {
	Path    string
	Args    []string
	Env     []string
	Timeout int // seconds
}

// HookLists are the hooks init runs itself, inside the container. The
// others run in the runtime: prestart, createRuntime and createContainer
// while init waits before pivot_root (MsgHooks), poststart, poststop.
type HookLists struct {
	StartContainer []Hook
	State          []byte // the state JSON hooks get on stdin
}

// Empty reports whether x asks for nothing beyond argv, env and user:
// then the bootstrap need not carry it and init skips it.
func (x *Extras) Empty() bool {
	return x.Umask == nil && !x.NoNewPrivs && x.OOMScoreAdj == nil && len(x.Rlimits) == 0 && x.Caps == nil &&
		len(x.MaskedPaths) == 0 && len(x.ReadonlyPaths) == 0 && len(x.Sysctl) == 0 && len(x.Devices) == 0 &&
		!x.ReadonlyRoot && !x.ReadonlyDev && x.RootPropagation == 0 && len(x.Seccomp) == 0 && len(x.Hooks.StartContainer) == 0
}
