package spec

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// maxHostname is the kernel's __NEW_UTS_LEN: sethostname(2) refuses more.
const maxHostname = 64

// checkHostname: setting a hostname needs a UTS namespace of the
// container's own (the spec says so, and without one sethostname would
// rename the host). Joining another UTS namespace by path does not count:
// the hostname belongs to whoever made that namespace.
func checkHostname(p *problems, s *specs.Spec) {
	h := s.Hostname
	if h == "" {
		return
	}
	if ns, ok := namespace(s, specs.UTSNamespace); !ok || ns.Path != "" {
		p.add("hostname", "needs a new uts namespace in linux.namespaces (one without a path)")
	}
	if msg := badHostname(h); msg != "" {
		p.add("hostname", "%q %s", h, msg)
	}
}

// badHostname checks RFC 1123 host names: dot-separated labels of
// letters, digits and hyphens, 1..63 bytes each, not starting or ending
// with a hyphen; at most 64 bytes in all (the kernel's limit, tighter than
// the RFC's 253).
func badHostname(h string) string {
	if len(h) > maxHostname {
		return "is longer than 64 bytes, the kernel's limit"
	}
	for _, label := range strings.Split(h, ".") {
		switch {
		case label == "":
			return "has an empty label; want RFC 1123 labels separated by dots"
		case len(label) > 63:
			return "has a label longer than 63 bytes (RFC 1123)"
		case label[0] == '-' || label[len(label)-1] == '-':
			return "has a label that starts or ends with '-' (RFC 1123)"
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return "may only use letters, digits, '-' and '.' (RFC 1123)"
			}
		}
	}
	return ""
}
