package seccomp

import specs "github.com/opencontainers/runtime-spec/specs-go"

// path is the JSON path of the profile inside config.json, for errors.
const path = "linux.seccomp"

// UsesNotify reports whether a rule of the profile is SCMP_ACT_NOTIFY.
func UsesNotify(s *specs.LinuxSeccomp) bool {
	if s == nil {
		return false
	}
	for _, sc := range s.Syscalls {
		if sc.Action == specs.ActNotify {
			return true
		}
	}
	return false
}
