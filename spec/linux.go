package spec

import (
	"slices"
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// checkLinux checks the linux section. It is OPTIONAL in the spec, but
// without it the container would share every namespace with the host; a
// missing section is allowed and means exactly that.
func checkLinux(p *problems, s *specs.Spec) {
	l := s.Linux
	if l == nil {
		return
	}
	checkNamespaces(p, l.Namespaces)
	checkSharedMountTree(p, s)
	checkIDMappings(p, s)
	checkSysctl(p, s)
	checkResources(p, l.Resources)
	checkCgroupsPath(p, l.CgroupsPath)
	checkDevices(p, l.Devices)
	checkSeccomp(p, l.Seccomp)
	for i, m := range l.MaskedPaths {
		checkAbsPath(p, idx("linux.maskedPaths", i), m)
	}
	for i, r := range l.ReadonlyPaths {
		checkAbsPath(p, idx("linux.readonlyPaths", i), r)
	}
	if l.RootfsPropagation != "" {
		if _, ok := propagationOptions[l.RootfsPropagation]; !ok {
			p.add("linux.rootfsPropagation", "%q is not one of %s", l.RootfsPropagation, propagationList())
		}
	}
	if l.MountLabel != "" {
		p.unsupported("linux.mountLabel") // SELinux
	}
	if l.IntelRdt != nil {
		p.unsupported("linux.intelRdt")
	}
	if l.Personality != nil {
		p.unsupported("linux.personality")
	}
	if len(l.TimeOffsets) > 0 {
		p.add("linux.timeOffsets", "is not supported: mycontainer does not create time namespaces")
	}
}

func propagationList() string {
	names := make([]string, 0, len(propagationOptions))
	for n := range propagationOptions {
		names = append(names, n)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// checkCgroupsPath: absolute paths are taken from the cgroup mount point
// (config-linux.md), relative ones from <mount>/mycontainer, the place
// the spec lets the runtime choose (container.cgroupPath applies both;
// engines send absolute ones). ".." would leave the hierarchy the runtime
// manages.
// Podman's systemd form "slice:prefix:name" is just a path to cgroupfs.
func checkCgroupsPath(p *problems, cg string) {
	switch {
	case cg == "":
	case hasDotDot(cg):
		p.add("linux.cgroupsPath", "%q must not contain a \"..\" component", cg)
	case hasNUL(cg):
		p.add("linux.cgroupsPath", "must not contain a NUL byte")
	}
}
