package fetch

import (
	"mycontainer/image"

	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// Import stores the images of a docker-archive (docker save, podman
// save), an oci-archive, or an OCI image layout directory. tag, when set,
// names the (single) image instead of the names the archive carries.
func Import(s *image.Store, path, tag string, p image.Progress) ([]*image.Image, error) {
	if p == nil {
		p = image.NoProgress{}
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("import: %w", err)
	}
	if fi.IsDir() {
		return importLayout(s, path, filepath.Base(filepath.Clean(path)), tag, p)
	}
	names, err := tarNames(path)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	switch {
	case names["manifest.json"]:
		return importDockerArchive(s, path, tag, p)
	case names["oci-layout"] && names["index.json"]:
		dir, err := os.MkdirTemp(s.TmpDir(), fmt.Sprintf("import-%d-", os.Getpid()))
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		if err := extractLayoutFiles(path, dir); err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
		base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
		return importLayout(s, dir, base, tag, p)
	}
	return nil, fmt.Errorf("import %s: neither a docker-archive (manifest.json) nor an oci-archive (oci-layout, index.json)", path)
}

// tarNames lists the top-level regular files of a tar.
func tarNames(path string) (map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	names := map[string]bool{}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names, nil
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return nil, fmt.Errorf("not a tar archive: %w", err)
		}
		names[strings.TrimPrefix(h.Name, "./")] = true
	}
}

func importDockerArchive(s *image.Store, path, tag string, p image.Progress) ([]*image.Image, error) {
	opener := func() (io.ReadCloser, error) { return os.Open(path) }
	m, err := tarball.LoadManifest(opener)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", path, err)
	}
	if tag != "" && len(m) != 1 {
		return nil, fmt.Errorf("import %s: --tag names one image; the archive holds %d", path, len(m))
	}
	var out []*image.Image
	for i, d := range m {
		var t *name.Tag
		var names []string
		for _, rt := range d.RepoTags {
			if nt, err := name.NewTag(rt); err == nil {
				if t == nil {
					t = &nt
				}
				names = append(names, image.NormalizeName(nt.Name()))
			}
		}
		if tag != "" {
			names = []string{image.NormalizeName(tag)}
		}
		var img v1.Image
		if t != nil {
			img, err = tarball.Image(opener, t)
		} else if len(m) == 1 {
			img, err = tarball.Image(opener, nil)
		} else {
			err = fmt.Errorf("image %d has no name", i)
		}
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
		im, err := s.Add(source{img}, names, p)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", path, err)
		}
		out = append(out, im)
	}
	return out, nil
}

// importLayout stores every image an OCI layout's index.json names (an
// index inside it is resolved to this machine's platform).
func importLayout(s *image.Store, dir, base, tag string, p image.Progress) ([]*image.Image, error) {
	lp, err := layout.FromPath(dir)
	if err != nil {
		return nil, fmt.Errorf("import %s: not an OCI layout: %w", dir, err)
	}
	idx, err := lp.ImageIndex()
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", dir, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", dir, err)
	}
	if tag != "" && len(im.Manifests) != 1 {
		return nil, fmt.Errorf("import %s: --tag names one image; the layout holds %d", dir, len(im.Manifests))
	}
	var out []*image.Image
	for _, d := range im.Manifests {
		var img v1.Image
		if d.MediaType.IsIndex() {
			child, err := idx.ImageIndex(d.Digest)
			if err != nil {
				return nil, fmt.Errorf("import %s: %w", dir, err)
			}
			img, err = platformImage(child)
			if err != nil {
				return nil, fmt.Errorf("import %s: %w", dir, err)
			}
		} else if img, err = idx.Image(d.Digest); err != nil {
			return nil, fmt.Errorf("import %s: %w", dir, err)
		}
		names := []string{layoutName(base, d.Annotations["org.opencontainers.image.ref.name"])}
		if tag != "" {
			names = []string{image.NormalizeName(tag)}
		}
		if names[0] == "" {
			names = nil
		}
		st, err := s.Add(source{img}, names, p)
		if err != nil {
			return nil, fmt.Errorf("import %s: %w", dir, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// layoutName: a full reference in the ref.name annotation is the name; a
// bare tag (umoci's "latest") is BASE:TAG, BASE the layout's file name.
func layoutName(base, ann string) string {
	if ann == "" {
		return ""
	}
	if strings.ContainsAny(ann, "/:@") {
		return image.NormalizeName(ann)
	}
	return image.NormalizeName(strings.ToLower(base) + ":" + ann)
}

func platformImage(idx v1.ImageIndex) (v1.Image, error) {
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, err
	}
	want := Platform()
	for _, d := range im.Manifests {
		if d.Platform != nil && d.Platform.OS == want.OS && d.Platform.Architecture == want.Architecture {
			return idx.Image(d.Digest)
		}
	}
	return nil, fmt.Errorf("no image for %s/%s in the index", want.OS, want.Architecture)
}

// extractLayoutFiles copies an oci-archive's oci-layout, index.json and
// blobs/sha256/HEX files, and nothing else, into dir. Only those exact
// names are written, so the archive cannot place a file elsewhere.
func extractLayoutFiles(path, dir string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := os.MkdirAll(filepath.Join(dir, "blobs", "sha256"), 0o700); err != nil {
		return err
	}
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return err
		}
		n := strings.TrimPrefix(h.Name, "./")
		hexName, isBlob := strings.CutPrefix(n, "blobs/sha256/")
		ok := n == "oci-layout" || n == "index.json" || (isBlob && isDigestHex(hexName))
		if !ok || h.Typeflag != tar.TypeReg {
			continue
		}
		out, err := os.OpenFile(filepath.Join(dir, n), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		_, err = io.Copy(out, tr)
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
}

func isDigestHex(h string) bool {
	if len(h) != 64 {
		return false
	}
	for _, c := range h {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
