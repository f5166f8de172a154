package image

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// images.idx holds what `run --image` needs of every image (names, ID,
// layers, and the run configuration from its verified config blob) in a
// line format parsed with strconv alone: encoding/json's first use in a
// cold process cost ~1.5 ms of CPU here (its reflection codecs and the
// pages of its code), more than the 1 ms `run --image` may add over
// `run --rootfs`. images.json stays the store's record; images.idx
// carries the sha256 of the images.json it was made with, and a reader
// whose images.json differs (a writer killed between the two renames, a
// store an older version wrote) falls back to images.json and the blobs.
const runIndexMagic = "mycontainer-images 1"

// saveRunIndex writes images.idx for ix, whose images.json bytes are
// jsonBytes. The caller holds the exclusive lock.
func (s *Store) saveRunIndex(ix *index, jsonBytes []byte) error {
	sum := sha256.Sum256(jsonBytes)
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s\n", runIndexMagic, hex.EncodeToString(sum[:]))
	for _, im := range ix.Images {
		raw, err := s.readBlob(im.ID)
		if err != nil {
			return err
		}
		cfg, err := parseConfig(raw)
		if err != nil {
			return err
		}
		c := cfg.Config
		fmt.Fprintf(&b, "image %s %s\n", im.ID, im.Manifest)
		quoted(&b, "names", im.Names)
		quoted(&b, "layers", im.Layers)
		quoted(&b, "entrypoint", c.Entrypoint)
		quoted(&b, "cmd", c.Cmd)
		quoted(&b, "env", c.Env)
		quoted(&b, "workdir", []string{c.WorkingDir})
		quoted(&b, "user", []string{c.User})
	}
	return writeFileAtomic(s.path("images.idx"), s.path("tmp"), []byte(b.String()))
}

func quoted(b *strings.Builder, key string, vals []string) {
	b.WriteString(key)
	for _, v := range vals {
		b.WriteByte(' ')
		b.WriteString(strconv.Quote(v))
	}
	// nil and empty differ for Entrypoint and Cmd: docker keeps a nil
	// Cmd's meaning ("none"); both read back as nil, as JSON's null and
	// [] do for run --image's purposes.
	b.WriteByte('\n')
}

// errNoRunIndex: images.idx is missing or not for this images.json.
var errNoRunIndex = errors.New("no current images.idx")

type runEntry struct {
	im  *Image
	cfg ImageConfig
}

// LookupRun finds an image and its run configuration, as Lookup and
// Config do, from images.idx when it is current.
func (s *Store) LookupRun(ref string) (*Image, *ImageConfig, error) {
	unlock, err := s.lock(false)
	if err != nil {
		return nil, nil, err
	}
	ents, err := s.loadRunIndex()
	unlock()
	if err != nil {
		im, err := s.Lookup(ref)
		if err != nil {
			return nil, nil, err
		}
		cfg, err := s.Config(im)
		return im, cfg, err
	}
	ims := make([]*Image, len(ents))
	for i, e := range ents {
		ims[i] = e.im
	}
	im, err := find(ims, ref)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range ents {
		if e.im == im {
			return im, &e.cfg, nil
		}
	}
	return nil, nil, fmt.Errorf("image %s: %w", ref, ErrNotFound)
}

func (s *Store) loadRunIndex() ([]*runEntry, error) {
	idx, err := os.ReadFile(s.path("images.idx"))
	if err != nil {
		return nil, errNoRunIndex
	}
	js, err := os.ReadFile(s.path("images.json"))
	if err != nil {
		return nil, errNoRunIndex
	}
	sum := sha256.Sum256(js)
	head, rest, _ := bytes.Cut(idx, []byte("\n"))
	if string(head) != runIndexMagic+" "+hex.EncodeToString(sum[:]) {
		return nil, errNoRunIndex
	}
	var ents []*runEntry
	var cur *runEntry
	for _, line := range strings.Split(string(rest), "\n") {
		if line == "" {
			continue
		}
		key, vals, _ := strings.Cut(line, " ")
		if key == "image" {
			f := strings.Fields(vals)
			if len(f) != 2 {
				return nil, errNoRunIndex
			}
			cur = &runEntry{im: &Image{ID: f[0], Manifest: f[1]}}
			ents = append(ents, cur)
			continue
		}
		if cur == nil {
			return nil, errNoRunIndex
		}
		list, err := unquoteList(vals)
		if err != nil {
			return nil, errNoRunIndex
		}
		one := ""
		if len(list) > 0 {
			one = list[0]
		}
		switch key {
		case "names":
			cur.im.Names = list
		case "layers":
			cur.im.Layers = list
		case "entrypoint":
			cur.cfg.Entrypoint = list
		case "cmd":
			cur.cfg.Cmd = list
		case "env":
			cur.cfg.Env = list
		case "workdir":
			cur.cfg.WorkingDir = one
		case "user":
			cur.cfg.User = one
		default:
			return nil, errNoRunIndex
		}
	}
	return ents, nil
}

func unquoteList(s string) ([]string, error) {
	var out []string
	for s != "" {
		q, err := strconv.QuotedPrefix(s)
		if err != nil {
			return nil, err
		}
		v, err := strconv.Unquote(q)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		s = strings.TrimPrefix(s[len(q):], " ")
	}
	return out, nil
}
