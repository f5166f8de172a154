package image

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Remove takes a name off its image, and removes the image when it has
// no name left (or ref is its ID); then its layers no other image or
// running container uses.
func (s *Store) Remove(ref string) (*Image, error) {
	ix, unlock, err := s.exclusive()
	if err != nil {
		return nil, err
	}
	defer unlock()
	im, err := find(ix.Images, ref)
	if err != nil {
		return nil, err
	}
	n := NormalizeName(ref)
	if slices.Contains(im.Names, n) && len(im.Names) > 1 {
		im.Names = slices.DeleteFunc(im.Names, func(x string) bool { return x == n })
	} else {
		ix.Images = slices.DeleteFunc(ix.Images, func(x *Image) bool { return x == im })
	}
	if err := s.save(ix); err != nil {
		return nil, err
	}
	_, err = s.gc(ix)
	return im, err
}

// Prune removes every layer and blob no image names, and what killed
// pulls left in tmp/. It returns what it removed.
func (s *Store) Prune() ([]string, error) {
	ix, unlock, err := s.exclusive()
	if err != nil {
		return nil, err
	}
	defer unlock()
	s.sweepTmp()
	return s.gc(ix)
}

// exclusive takes the gc lock, then the index lock, both exclusive (the
// order every writer uses), and loads the index. unlock releases both.
func (s *Store) exclusive() (ix *index, unlock func(), err error) {
	unlockGC, err := s.gcLock(true)
	if err != nil {
		return nil, nil, err
	}
	unlockIndex, err := s.lock(true)
	if err != nil {
		unlockGC()
		return nil, nil, err
	}
	unlock = func() { unlockIndex(); unlockGC() }
	if ix, err = s.load(); err != nil {
		unlock()
		return nil, nil, err
	}
	return ix, unlock, nil
}

// gc removes layers and blobs that no image of ix references, keeping
// layers a live container uses. The caller holds the exclusive lock.
func (s *Store) gc(ix *index) ([]string, error) {
	keep := map[string]bool{}
	for _, im := range ix.Images {
		keep[hexOf(im.ID)], keep[hexOf(im.Manifest)] = true, true
		for _, l := range im.Layers {
			keep[hexOf(l)] = true
		}
	}
	for _, l := range s.liveLayers() {
		keep[hexOf(l)] = true
	}
	var removed []string
	ents, err := os.ReadDir(s.path("layers"))
	if err != nil {
		return nil, err
	}
	for _, e := range ents {
		h := strings.TrimSuffix(e.Name(), ".size")
		if keep[h] {
			continue
		}
		// Rename first: a half-removed layer must never be used.
		if e.IsDir() {
			dead := s.path("tmp", fmt.Sprintf("rm-%s-%d-x", h[:min(12, len(h))], os.Getpid()))
			if err := os.Rename(s.path("layers", e.Name()), dead); err != nil {
				return removed, err
			}
			if err := os.RemoveAll(dead); err != nil {
				return removed, err
			}
			removed = append(removed, "layer sha256:"+h)
		} else if err := os.Remove(s.path("layers", e.Name())); err != nil {
			return removed, err
		}
	}
	blobs, err := os.ReadDir(s.path("blobs", "sha256"))
	if err != nil {
		return removed, err
	}
	for _, e := range blobs {
		if !keep[e.Name()] {
			if err := os.Remove(s.path("blobs", "sha256", e.Name())); err != nil {
				return removed, err
			}
			removed = append(removed, "blob sha256:"+e.Name())
		}
	}
	return removed, nil
}
