package fetch

import (
	"testing"

	"mycontainer/image"

	"github.com/google/go-containerregistry/pkg/v1/random"
)

// The runtime's binary links no gzip decoder (image.GzipReader is nil
// there): this package sets it, and an image of gzip layers, the usual
// kind, must go into the store through it.
func TestAddGzipLayers(t *testing.T) {
	img, err := random.Image(512, 2) // its layers are gzip-compressed tars
	if err != nil {
		t.Fatal(err)
	}
	s, err := image.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	im, err := s.Add(source{img}, []string{"localhost/gz:1"}, nil)
	if err != nil {
		t.Fatalf("Add: %v", err)
	}
	if len(im.Layers) != 2 {
		t.Fatalf("%d layers stored, want 2", len(im.Layers))
	}
}
