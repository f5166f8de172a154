package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// checkMount checks one entry of mounts. Mounts are performed in their
// listed order, so nothing here compares entries: a later mount may cover
// an earlier one on purpose (podman binds /dev/shm over its /dev tmpfs).
func checkMount(p *problems, path string, m *specs.Mount) {
	// The spec: destination MUST be absolute on Linux. It is resolved
	// inside the rootfs, so ".." could not escape, but refuse it anyway.
	if checkAbsPath(p, field(path, "destination"), m.Destination) && m.Destination == "/" {
		p.add(field(path, "destination"), "cannot be /: the rootfs is root.path")
	}
	o := parseMountOptions(p, path, m)
	switch {
	case o.Bind && m.Source == "":
		// A bind mount copies an existing tree; it has nothing to copy.
		// A relative source is relative to the bundle (the spec's rule).
		p.add(field(path, "source"), "is required for a bind mount")
	case !o.Bind && m.Type == "":
		// Without a type the kernel cannot choose a filesystem.
		p.add(field(path, "type"), "is required unless the mount is a bind mount")
	}
	if hasNUL(m.Source) || hasNUL(m.Type) {
		p.add(path, "source and type must not contain a NUL byte")
	}
	if len(m.UIDMappings) > 0 {
		p.unsupported(field(path, "uidMappings")) // idmapped mounts
	}
	if len(m.GIDMappings) > 0 {
		p.unsupported(field(path, "gidMappings"))
	}
}
