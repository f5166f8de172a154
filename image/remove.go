package image

import (
	"fmt"
	"os"
	"slices"
	"strings"
)

// Remove takes a name off its image, and removes the image when it has
// no name left (or ref is its ID); then its layers no other image or
// container uses. An image a running or kept container uses is refused,
// naming the container, unless force: then the image goes and its layers
// stay until no container uses them.
func (s *Store) Remove(ref string, force bool) (*Image, error) {
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
		if !force {
			if err := s.inUse(im, ref); err != nil {
				return nil, err
			}
		}
		ix.Images = slices.DeleteFunc(ix.Images, func(x *Image) bool { return x == im })
	}
	if err := s.save(ix); err != nil {
		return nil, err
	}
	_, err = s.gc(ix)
	return im, err
}

// inUse refuses to remove an image a container uses, naming it.
func (s *Store) inUse(im *Image, ref string) error {
	var users []ContainerInfo
	for _, c := range s.containers() {
		if c.ImageID == im.ID {
			users = append(users, c)
		}
	}
	if len(users) == 0 {
		return nil
	}
	more := ""
	if len(users) > 1 {
		more = fmt.Sprintf(" and %d more", len(users)-1)
	}
	return fmt.Errorf("image %s is in use by %s%s: rmi --force removes the image anyway (its layers stay while a container uses them)",
		ref, users[0].Describe(), more)
}

// Prune removes every layer and blob no image names, what killed pulls
// left in tmp/, and the spare container directories. It returns what it removed.
func (s *Store) Prune() ([]string, error) {
	ix, unlock, err := s.exclusive()
	if err != nil {
		return nil, err
	}
	defer unlock()
	s.sweepTmp()
	removed, err := s.gc(ix)
	if err != nil {
		return removed, err
	}
	// Spare upper directories go too (spares.go): after prune the store
	// holds only what images and containers use.
	for _, n := range s.SweepContainers() {
		if err := os.RemoveAll(s.path("containers", n)); err != nil {
			return removed, err
		}
		removed = append(removed, "spare container directory "+n)
	}
	return removed, nil
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
	for _, c := range s.containers() {
		for _, l := range c.Layers {
			keep[hexOf(l)] = true
		}
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
