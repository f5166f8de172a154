package spec

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// checkDeviceRules checks linux.resources.devices, the device cgroup's
// allow and deny rules (v1 devices.allow/deny, v2 an eBPF program). The
// kernel's rule syntax: type a (all), b or c; major and minor a number or
// "*" (absent, or -1); access a non-empty subset of r (read), w (write),
// m (mknod). An absent type means "a", and absent access "rwm", as in
// runc.
func checkDeviceRules(p *problems, rules []specs.LinuxDeviceCgroup) {
	for i, r := range rules {
		path := idx("linux.resources.devices", i)
		switch r.Type {
		case "", "a":
			if (r.Major != nil && *r.Major != -1) || (r.Minor != nil && *r.Minor != -1) {
				p.add(path, "a rule of type \"a\" (all devices) takes no major or minor")
			}
		case "b", "c":
		default:
			p.add(field(path, "type"), "%q is not a device rule type (a, b or c)", r.Type)
		}
		if r.Major != nil && *r.Major < -1 {
			p.add(field(path, "major"), "%d must not be negative (-1 is any)", *r.Major)
		}
		if r.Minor != nil && *r.Minor < -1 {
			p.add(field(path, "minor"), "%d must not be negative (-1 is any)", *r.Minor)
		}
		if strings.Trim(r.Access, "rwm") != "" {
			p.add(field(path, "access"), "%q must be made of r, w and m", r.Access)
		}
	}
}
