package image

import "strings"

// NormalizeName writes a reference the way the store keeps it, as
// go-containerregistry names it: "busybox" is
// "index.docker.io/library/busybox:latest"; a registry is the first
// component when it has a "." or a ":" or is localhost; the tag is
// "latest" when there is neither a tag nor a digest.
func NormalizeName(ref string) string {
	repo, digest, hasDigest := strings.Cut(ref, "@")
	registry, rest := "index.docker.io", repo
	if first, after, ok := strings.Cut(repo, "/"); ok && (strings.ContainsAny(first, ".:") || first == "localhost") {
		registry, rest = first, after
	}
	if registry == "docker.io" {
		registry = "index.docker.io"
	}
	tag := ""
	if i := strings.LastIndexByte(rest, ':'); i >= 0 {
		rest, tag = rest[:i], rest[i+1:]
	}
	if registry == "index.docker.io" && !strings.Contains(rest, "/") {
		rest = "library/" + rest
	}
	switch {
	case hasDigest:
		return registry + "/" + rest + "@" + digest
	case tag == "":
		tag = "latest"
	}
	return registry + "/" + rest + ":" + tag
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
