package image

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
	"time"
)

// parallelLayers is how many layers are fetched and unpacked at once.
const parallelLayers = 3

// Add stores an image: its layers (verified, unpacked once), then its
// config and manifest blobs (verified), then its entry in images.json
// under names. Nothing is recorded until every part is in place.
func (s *Store) Add(img Source, names []string, p Progress) (*Image, error) {
	if p == nil {
		p = NoProgress{}
	}
	unlock, err := s.gcLock(false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	rawManifest, err := img.RawManifest()
	if err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	var m manifest
	if err := json.Unmarshal(rawManifest, &m); err != nil {
		return nil, fmt.Errorf("manifest: %w", err)
	}
	rawConfig, err := img.RawConfigFile()
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if got := digestOf(rawConfig); got != m.Config.Digest {
		return nil, fmt.Errorf("config %s: %w (it is %s)", m.Config.Digest, ErrDigest, got)
	}
	cfg, err := parseConfig(rawConfig)
	if err != nil {
		return nil, err
	}
	if len(cfg.RootFS.DiffIDs) != len(m.Layers) {
		return nil, fmt.Errorf("image: the manifest lists %d layers, the config %d diff_ids", len(m.Layers), len(cfg.RootFS.DiffIDs))
	}
	im := &Image{ID: m.Config.Digest, Manifest: digestOf(rawManifest), Names: names, Created: time.Now().UTC()}
	sizes := make([]int64, len(m.Layers))
	errs := make([]error, len(m.Layers))
	sem := make(chan struct{}, parallelLayers)
	var wg sync.WaitGroup
	for i, desc := range m.Layers {
		want := layerWant{Digest: desc.Digest, DiffID: cfg.RootFS.DiffIDs[i]}
		im.Layers = append(im.Layers, want.DiffID)
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			l, err := img.Layer(desc.Digest)
			if err != nil {
				errs[i] = fmt.Errorf("layer %s: %w", desc.Digest, err)
				return
			}
			sizes[i], errs[i] = s.addLayer(l, want, p)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, err
		}
		im.Size += sizes[i]
	}
	if err := s.putBlob(im.ID, rawConfig); err != nil {
		return nil, err
	}
	if err := s.putBlob(im.Manifest, rawManifest); err != nil {
		return nil, err
	}
	return im, s.record(im)
}

// record adds an image to images.json: its names leave any other image
// that had them (as a docker tag moves), and an image already there by
// ID gains the names.
func (s *Store) record(im *Image) error {
	unlock, err := s.lock(true)
	if err != nil {
		return err
	}
	defer unlock()
	ix, err := s.load()
	if err != nil {
		return err
	}
	var kept []*Image
	var same *Image
	for _, o := range ix.Images {
		if o.ID == im.ID {
			same = o
			continue
		}
		o.Names = slices.DeleteFunc(o.Names, func(n string) bool { return slices.Contains(im.Names, n) })
		kept = append(kept, o)
	}
	if same != nil {
		for _, n := range same.Names {
			if !slices.Contains(im.Names, n) {
				im.Names = append(im.Names, n)
			}
		}
	}
	ix.Images = append(kept, im)
	return s.save(ix)
}
