package containerinit

// Extras is the part of a container's set-up that only OCI bundles ask
// for: process attributes beyond argv/env/user, and hardening of the
// root. The parent fills it from config.json and sends it as one bootstrap
// attribute (JSON inside one frame attribute: Go writes and reads it; the
// C constructor skips it). A zero Extras changes nothing.
type Extras struct {
	Umask       *uint32  `json:"umask,omitempty"`
	NoNewPrivs  bool     `json:"noNewPrivileges,omitempty"`
	OOMScoreAdj *int     `json:"oomScoreAdj,omitempty"`
	Rlimits     []Rlimit `json:"rlimits,omitempty"`
	// Capabilities: nil keeps every capability (the `run` default); a
	// non-nil value sets all five sets exactly, by capability number.
	Caps *Capabilities `json:"capabilities,omitempty"`

	MaskedPaths   []string  `json:"maskedPaths,omitempty"`
	ReadonlyPaths []string  `json:"readonlyPaths,omitempty"`
	Sysctl        []Sysctl  `json:"sysctl,omitempty"`
	Devices       []Device  `json:"devices,omitempty"`
	ReadonlyRoot  bool      `json:"readonlyRoot,omitempty"`
	Seccomp       []byte    `json:"seccomp,omitempty"` // a compiled classic BPF program (struct sock_filter array)
	SeccompFlags  uint      `json:"seccompFlags,omitempty"`
	Hooks         HookLists `json:"hooks,omitempty"`
}

// Rlimit is one resource limit, by its RLIMIT_* number.
type Rlimit struct {
	Type int    `json:"type"`
	Soft uint64 `json:"soft"`
	Hard uint64 `json:"hard"`
}

// Capabilities are the five capability sets, as lists of numbers.
type Capabilities struct {
	Bounding    []int `json:"bounding"`
	Effective   []int `json:"effective"`
	Inheritable []int `json:"inheritable"`
	Permitted   []int `json:"permitted"`
	Ambient     []int `json:"ambient"`
}

// Sysctl is one /proc/sys setting.
type Sysctl struct {
	Key   string `json:"key"` // dotted, e.g. net.ipv4.ip_forward
	Value string `json:"value"`
}

// Device is a node to create in the container's /dev.
type Device struct {
	Path  string `json:"path"`
	Type  string `json:"type"` // c, b, u or p
	Major int64  `json:"major"`
	Minor int64  `json:"minor"`
	Mode  uint32 `json:"mode"`
	UID   uint32 `json:"uid"`
	GID   uint32 `json:"gid"`
}

// Hook is a program the OCI spec runs at a given moment.
type Hook struct {
	Path    string   `json:"path"`
	Args    []string `json:"args,omitempty"`
	Env     []string `json:"env,omitempty"`
	Timeout int      `json:"timeout,omitempty"` // seconds
}

// HookLists are the hooks that run inside the container's namespaces.
// The others (createRuntime, poststart, poststop) run in the runtime.
type HookLists struct {
	CreateContainer []Hook `json:"createContainer,omitempty"`
	StartContainer  []Hook `json:"startContainer,omitempty"`
	State           []byte `json:"state,omitempty"` // the state JSON hooks get on stdin
}

// empty reports whether x asks for nothing beyond argv, env and user:
// then the bootstrap need not carry it and init skips it.
func (x *Extras) Empty() bool {
	return x.Umask == nil && !x.NoNewPrivs && x.OOMScoreAdj == nil && len(x.Rlimits) == 0 && x.Caps == nil &&
		len(x.MaskedPaths) == 0 && len(x.ReadonlyPaths) == 0 && len(x.Sysctl) == 0 && len(x.Devices) == 0 &&
		!x.ReadonlyRoot && len(x.Seccomp) == 0 && len(x.Hooks.CreateContainer) == 0 && len(x.Hooks.StartContainer) == 0
}
