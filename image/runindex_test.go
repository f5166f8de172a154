package image

import (
	"os"
	"slices"
	"testing"
)

// run --image reads images.idx only while it matches images.json: a
// store whose images.json changed without it (a writer killed between
// the two renames, an older version's store) is read from images.json.
func TestRunIndexFollowsImagesJSON(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	raw := []byte(`{"config":{"Cmd":["cat","/a b"],"Env":["A=\"x\"\n"],"WorkingDir":"/srv","User":"1:2"},"rootfs":{"type":"layers","diff_ids":[]}}`)
	id := digestOf(raw)
	if err := s.putBlob(id, raw); err != nil {
		t.Fatal(err)
	}
	ix := &index{Images: []*Image{{ID: id, Manifest: id, Names: []string{NormalizeName("a")}, Layers: []string{"sha256:1"}}}}
	if err := s.save(ix); err != nil {
		t.Fatal(err)
	}
	im, cfg, err := s.LookupRun("a")
	if err != nil || im.ID != id || !slices.Equal(cfg.Cmd, []string{"cat", "/a b"}) || cfg.Env[0] != "A=\"x\"\n" ||
		cfg.WorkingDir != "/srv" || cfg.User != "1:2" || !slices.Equal(im.Layers, []string{"sha256:1"}) {
		t.Fatalf("from images.idx: %v %+v %+v", err, im, cfg)
	}
	if _, err := s.loadRunIndex(); err != nil {
		t.Fatalf("images.idx not current after save: %v", err)
	}
	// images.json alone gains a name: the index is stale and not used.
	ix.Images[0].Names = append(ix.Images[0].Names, NormalizeName("b"))
	b, err := os.ReadFile(s.path("images.idx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.save(ix); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(s.path("images.idx"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := s.loadRunIndex(); err != errNoRunIndex {
		t.Fatalf("a stale images.idx was taken: %v", err)
	}
	if im, cfg, err := s.LookupRun("b"); err != nil || im.ID != id || cfg.WorkingDir != "/srv" {
		t.Fatalf("fallback to images.json: %v", err)
	}
}
