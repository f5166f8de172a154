package spec

import "strings"

// checkVersion: ociVersion is REQUIRED and is a SemVer 2.0 version. Only
// major version 1 is understood; within 1.x the spec only adds fields, and
// the ones we do not know are ignored as the spec allows. Engines send
// pre-releases such as podman's "1.0.2-dev".
func checkVersion(p *problems, v string) {
	if v == "" {
		p.add("ociVersion", "is required")
		return
	}
	major, ok := semverMajor(v)
	switch {
	case !ok:
		p.add("ociVersion", "%q is not a semantic version (like 1.0.2)", v)
	case major != "1":
		p.add("ociVersion", "%q is not supported: mycontainer implements version 1.x of the runtime spec", v)
	}
}

// semverMajor parses MAJOR.MINOR.PATCH[-PRERELEASE][+BUILD] and returns
// MAJOR.
func semverMajor(v string) (string, bool) {
	core, build, hasBuild := strings.Cut(v, "+")
	if hasBuild && !idents(build, false) {
		return "", false
	}
	core, pre, hasPre := strings.Cut(core, "-")
	if hasPre && !idents(pre, true) {
		return "", false
	}
	nums := strings.Split(core, ".")
	if len(nums) != 3 {
		return "", false
	}
	for _, n := range nums {
		// SemVer: numeric identifiers have no leading zeros.
		if !allDigits(n) || (len(n) > 1 && n[0] == '0') {
			return "", false
		}
	}
	return nums[0], true
}

// idents checks dot-separated identifiers of [0-9A-Za-z-]. In a
// pre-release, numeric identifiers must not have leading zeros.
func idents(s string, pre bool) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		for _, c := range id {
			if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
				return false
			}
		}
		if pre && allDigits(id) && len(id) > 1 && id[0] == '0' {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
