package fetch

import (
	"testing"

	"mycontainer/image"

	"github.com/google/go-containerregistry/pkg/name"
)

// The runtime normalises references without go-containerregistry; its
// names must be the ones a pull records.
func TestNormalizeNameAgreesWithRegistryClient(t *testing.T) {
	for _, ref := range []string{
		"busybox", "busybox:1.36", "library/busybox", "docker.io/busybox", "docker.io/library/busybox:latest",
		"index.docker.io/me/app:v1", "me/app", "127.0.0.1:5000/test/busybox:t", "localhost/app", "localhost:5000/a/b/c:d",
		"quay.io/org/app", "ghcr.io/o/r@sha256:" + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	} {
		r, err := name.ParseReference(ref)
		if err != nil {
			t.Fatalf("%s: %v", ref, err)
		}
		if got := image.NormalizeName(ref); got != r.Name() {
			t.Errorf("NormalizeName(%q) = %q, the registry client names it %q", ref, got, r.Name())
		}
	}
}
