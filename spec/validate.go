package spec

import (
	"errors"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Validate checks a decoded config against the OCI spec and against what
// mycontainer supports. It returns every problem found, joined with
// errors.Join; each is a *FieldError naming the JSON path. A nil spec is an
// error.
//
// Validate checks the config alone: nothing on the host is looked at (the
// rootfs, the hook binaries, the kernel's capabilities), because the same
// config may be checked on one machine and run on another.
func Validate(s *specs.Spec) error {
	if s == nil {
		return errors.New("config.json: no config")
	}
	var p problems
	checkVersion(&p, s.Version)
	checkRoot(&p, s.Root)
	checkProcess(&p, s)
	checkHostname(&p, s)
	if s.Domainname != "" {
		// setdomainname is easy, but no engine sends it and the issue does
		// not ask for it; refuse rather than pretend.
		p.unsupported("domainname")
	}
	for i := range s.Mounts {
		checkMount(&p, idx("mounts", i), &s.Mounts[i])
	}
	checkHooks(&p, s.Hooks)
	// annotations are free-form metadata for the engine (podman stores
	// its container's settings there): nothing to check, nothing to honour.
	checkLinux(&p, s)
	// mycontainer is a Linux runtime: the other platforms' sections cannot
	// be honoured.
	if s.Solaris != nil {
		p.unsupported("solaris")
	}
	if s.Windows != nil {
		p.unsupported("windows")
	}
	if s.VM != nil {
		p.unsupported("vm")
	}
	if s.ZOS != nil {
		p.unsupported("zos")
	}
	return p.err()
}

// checkRoot: root is REQUIRED on Linux. A relative path is relative to the
// bundle (containerd sends "rootfs"); podman sends an absolute one.
func checkRoot(p *problems, r *specs.Root) {
	switch {
	case r == nil:
		p.add("root", "is required")
	case r.Path == "":
		p.add("root.path", "is required")
	case hasDotDot(r.Path):
		p.add("root.path", "%q must not contain a \"..\" component", r.Path)
	case hasNUL(r.Path):
		p.add("root.path", "must not contain a NUL byte")
	}
}
