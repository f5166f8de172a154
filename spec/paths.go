package spec

import "strings"

// hasDotDot reports whether a path has a ".." component. Paths inside the
// container are resolved within the rootfs, so ".." cannot escape it, but
// a config that climbs is either a mistake or an attempt; refuse it rather
// than guess which.
func hasDotDot(p string) bool {
	for _, c := range strings.Split(p, "/") {
		if c == ".." {
			return true
		}
	}
	return false
}

// hasNUL: the kernel takes C strings, so a NUL would cut the path short
// and the runtime would act on a different path than the one checked.
func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// checkAbsPath checks a path that must be absolute with no "..".
func checkAbsPath(p *problems, path, v string) bool {
	switch {
	case v == "":
		p.add(path, "is required")
	case !strings.HasPrefix(v, "/"):
		p.add(path, "%q must be an absolute path", v)
	case hasDotDot(v):
		p.add(path, "%q must not contain a \"..\" component", v)
	case hasNUL(v):
		p.add(path, "must not contain a NUL byte")
	default:
		return true
	}
	return false
}
