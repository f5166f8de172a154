// Package fetch brings images into the store with go-containerregistry:
// pull from a registry, import of archives and layouts. It is linked
// into mycontainer-image only: the runtime's binary (which every
// container's init also runs) stays free of a registry client's weight.
package fetch

import (
	"io"

	"mycontainer/image"

	"github.com/google/go-containerregistry/pkg/v1"
	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
)

func init() {
	image.GzipReader = func(r io.Reader) (io.ReadCloser, error) { return gzip.NewReader(r) }
	image.ZstdReader = func(r io.Reader) (io.ReadCloser, error) {
		z, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			return nil, err
		}
		return z.IOReadCloser(), nil
	}
}

// source gives a go-containerregistry image to image.Store.Add.
type source struct{ v1.Image }

func (s source) Layer(digest string) (image.Layer, error) {
	h, err := v1.NewHash(digest)
	if err != nil {
		return nil, err
	}
	return s.LayerByDigest(h)
}
