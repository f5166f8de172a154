package fetch

import (
	"mycontainer/image"

	"context"
	"fmt"
	"runtime"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// PullOptions change how an image is fetched.
type PullOptions struct {
	// Insecure speaks plain HTTP to the registry. Without it, go-
	// containerregistry already uses HTTP for localhost and 127.0.0.1.
	Insecure bool
	Progress image.Progress
}

// Platform is this machine's, to pick an image from a multi-arch index.
func Platform() v1.Platform {
	p := v1.Platform{OS: "linux", Architecture: runtime.GOARCH}
	if runtime.GOARCH == "arm64" {
		p.Variant = "v8"
	}
	return p
}

// Pull fetches ref from its registry (credentials from
// ~/.docker/config.json), resolving a multi-arch index to this machine's
// platform, and stores it under its name.
func Pull(ctx context.Context, s *image.Store, ref string, o PullOptions) (*image.Image, error) {
	var opts []name.Option
	if o.Insecure {
		opts = append(opts, name.Insecure)
	}
	r, err := name.ParseReference(ref, opts...)
	if err != nil {
		return nil, fmt.Errorf("pull %s: not an image reference: %w", ref, err)
	}
	if o.Progress == nil {
		o.Progress = image.NoProgress{}
	}
	desc, err := remote.Get(r, remote.WithContext(ctx), remote.WithAuthFromKeychain(authn.DefaultKeychain),
		remote.WithPlatform(Platform()))
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", r.Name(), err)
	}
	img, err := desc.Image()
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", r.Name(), err)
	}
	im, err := s.Add(source{img}, []string{image.NormalizeName(r.Name())}, o.Progress)
	if err != nil {
		return nil, fmt.Errorf("pull %s: %w", r.Name(), err)
	}
	return im, nil
}
