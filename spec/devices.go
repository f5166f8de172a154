package spec

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// checkDevices checks linux.devices, the nodes the runtime creates with
// mknod(2). They must live under /dev: a device node elsewhere is a way to
// hide a disk from whoever audits the container. The types are mknod's:
// c (char), u (unbuffered char, the same to Linux), b (block), p (FIFO).
// Major and minor are required for all but p (Load checks presence).
func checkDevices(p *problems, devs []specs.LinuxDevice) {
	seen := map[string]int{}
	for i, d := range devs {
		path := idx("linux.devices", i)
		if checkAbsPath(p, field(path, "path"), d.Path) {
			if !strings.HasPrefix(d.Path, "/dev/") || len(d.Path) == len("/dev/") {
				p.add(field(path, "path"), "%q must be under /dev/", d.Path)
			} else if j, dup := seen[d.Path]; dup {
				p.add(field(path, "path"), "%q is already created by linux.devices[%d]", d.Path, j)
			}
			seen[d.Path] = i
		}
		switch d.Type {
		case "c", "u", "b":
			if d.Major < 0 {
				p.add(field(path, "major"), "%d must not be negative", d.Major)
			}
			if d.Minor < 0 {
				p.add(field(path, "minor"), "%d must not be negative", d.Minor)
			}
		case "p":
		case "":
			p.add(field(path, "type"), "is required (c, b, u or p)")
		default:
			p.add(field(path, "type"), "%q is not a device type (c, b, u or p)", d.Type)
		}
		// The type comes from "type"; fileMode holds permission bits only.
		if d.FileMode != nil && *d.FileMode&^0o777 != 0 {
			p.add(field(path, "fileMode"), "%#o has bits other than the permissions 0777", uint32(*d.FileMode))
		}
	}
}
