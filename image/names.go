package image

import (
	"github.com/google/go-containerregistry/pkg/name"
)

// NormalizeName writes a reference the way the store keeps it:
// "busybox" is "index.docker.io/library/busybox:latest", as a registry
// would be asked for it. A string that is no reference stays as it is.
func NormalizeName(ref string) string {
	r, err := name.ParseReference(ref)
	if err != nil {
		return ref
	}
	return r.Name()
}

// ShortName is a stored name as docker prints it: without the default
// registry and "library/".
func ShortName(n string) string {
	for _, p := range []string{"index.docker.io/library/", "index.docker.io/"} {
		if len(n) > len(p) && n[:len(p)] == p {
			return n[len(p):]
		}
	}
	return n
}
