package tests

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Bad input: each a one-line error, exit 125, nothing half-written kept.
func TestImageBadInput(t *testing.T) {
	store := newStore(t)
	oneLine(t, "run a missing image", runImage(t, store, "nosuch:1", "--", "true"), "no such image")
	oneLine(t, "a bad reference", img(t, store, "pull", "UPPER/Case::x"), "not an image reference")
	oneLine(t, "a registry that is down", img(t, store, "pull", "127.0.0.1:1/test/x:y"), "connection refused")
	oneLine(t, "import of a missing file", img(t, store, "import", "/nonexistent.tar"), "no such file")
	oneLine(t, "rmi of a missing image", img(t, store, "rmi", "nosuch:1"), "no such image")
	oneLine(t, "--overlay over the host's /", run(t, "run", "--no-tty", "--storage", store, "--rootfs", "/", "--overlay", "--", "true"), "refused")
	oneLine(t, "--image and --rootfs", run(t, "run", "--no-tty", "--storage", store, "--rootfs", rootfs, "--image", "x", "--", "true"), "choose one")
	assertEmptyStore(t, store)
}

// A corrupted layer (one byte of its tar changed): the diff_id check
// refuses it and nothing is kept.
func TestImageCorruptedBlob(t *testing.T) {
	im := buildImage(t, 0)
	d := t.TempDir()
	archive := filepath.Join(d, "a.tar")
	sh(t, "skopeo", "copy", "oci:"+im.layout, "docker-archive:"+archive+":test/bad:1")
	bad := filepath.Join(d, "bad.tar")
	corruptLayer(t, archive, bad)
	store := newStore(t)
	oneLine(t, "import of a corrupted layer", img(t, store, "import", bad), "digest mismatch")
	// The busybox layer is not kept; the other layers, whole and
	// verified, may be (prune removes them); no image is recorded.
	if ims := storeImages(t, store); len(ims) != 0 {
		t.Errorf("an image was recorded: %+v", ims)
	}
	for _, n := range dirNames(t, filepath.Join(store, "layers")) {
		if _, err := os.Stat(filepath.Join(store, "layers", n, "bin", "busybox")); err == nil {
			t.Errorf("the corrupted layer %s was kept", n)
		}
	}
	for _, n := range dirNames(t, filepath.Join(store, "tmp")) {
		if !strings.HasSuffix(n, ".lock") {
			t.Errorf("tmp/%s kept", n)
		}
	}
	// The same store then takes the good archive.
	if r := img(t, store, "import", archive); r.code != 0 {
		t.Errorf("import after the corrupted one: %s", r.stderr)
	}
}

// A full disk: the store on a 1 MiB tmpfs, mounted in a mount namespace
// of its own (gone with the command), so the host keeps no mount.
func TestImageFullDisk(t *testing.T) {
	im := buildImage(t, 0)
	store := newStore(t)
	must(t, os.MkdirAll(store, 0o700))
	script := `mount -t tmpfs -o size=1m none "$1" && "$2" import --storage "$1" "$3"; code=$?
		echo "exit $code"; find "$1" -mindepth 1 | grep -v -e '/lock$' -e '\.lock$' | sort`
	out, _ := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh",
		store, binary, filepath.Join(im.dir, "L")).CombinedOutput()
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var errLine string
	var rest []string
	for i, l := range lines {
		if strings.HasPrefix(l, "exit ") {
			errLine, rest = strings.Join(lines[:i], "\n"), lines[i+1:]
			if l != "exit 125" {
				t.Errorf("import into a full store: %s, want exit 125", l)
			}
		}
	}
	oneLine(t, "import into a full store", result{stderr: errLine, code: 125}, "no space left on device")
	// Layers that were whole and verified before the disk filled stay
	// (each with its .size, written before its directory is renamed in;
	// `image prune` removes them); nothing else: no blob, no image, no
	// tmp/ debris.
	has := map[string]bool{}
	for _, l := range rest {
		has[l] = true
	}
	for _, l := range rest {
		rel := strings.TrimPrefix(l, store+"/")
		switch {
		case rel == "blobs" || rel == "blobs/sha256" || rel == "containers" || rel == "layers" || rel == "tmp":
		case strings.HasPrefix(rel, "layers/") && strings.HasSuffix(rel, ".size"):
		case strings.HasPrefix(rel, "layers/"):
			layer := strings.SplitN(rel, "/", 3)[1]
			if !has[store+"/layers/"+layer+".size"] {
				t.Errorf("layer %s kept without its .size: a half layer", layer)
			}
		default:
			t.Errorf("a failed import kept %s", rel)
		}
	}
}

func assertEmptyStore(t *testing.T, store string) {
	t.Helper()
	for _, d := range []string{"layers", "blobs/sha256", "containers"} {
		if left := dirNames(t, filepath.Join(store, d)); len(left) != 0 {
			t.Errorf("%s: %v kept", d, left)
		}
	}
	for _, n := range dirNames(t, filepath.Join(store, "tmp")) {
		if !strings.HasSuffix(n, ".lock") {
			t.Errorf("tmp/%s kept", n)
		}
	}
	if b, err := os.ReadFile(filepath.Join(store, "images.json")); err == nil && strings.Contains(string(b), "sha256") {
		t.Errorf("images.json lists an image: %s", b)
	}
}

// corruptLayer copies a docker-archive, flipping one byte inside the
// largest layer tar's first file body.
func corruptLayer(t *testing.T, in, out string) {
	t.Helper()
	f, err := os.Open(in)
	must(t, err)
	defer f.Close()
	type ent struct {
		h    *tar.Header
		body []byte
	}
	var ents []ent
	biggest := -1
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		must(t, err)
		b, err := io.ReadAll(tr)
		must(t, err)
		ents = append(ents, ent{h, b})
		if h.Typeflag == tar.TypeReg && strings.HasSuffix(h.Name, ".tar") || len(b) > 1<<20 {
			if biggest < 0 || len(b) > len(ents[biggest].body) {
				biggest = len(ents) - 1
			}
		}
	}
	if biggest < 0 {
		t.Fatal("no layer in the archive")
	}
	b := bytes.Clone(ents[biggest].body)
	b[busyboxOffset(t, b)+4096] ^= 0xff // inside bin/busybox's bytes, not a header
	ents[biggest].body = b
	o, err := os.Create(out)
	must(t, err)
	tw := tar.NewWriter(o)
	for _, e := range ents {
		must(t, tw.WriteHeader(e.h))
		_, err := tw.Write(e.body)
		must(t, err)
	}
	must(t, tw.Close())
	must(t, o.Close())
}

// busyboxOffset finds where bin/busybox's content starts in a layer tar.
func busyboxOffset(t *testing.T, layer []byte) int {
	t.Helper()
	r := bytes.NewReader(layer)
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err != nil {
			t.Fatalf("no bin/busybox in the layer: %v", err)
		}
		if strings.TrimPrefix(h.Name, "/") == "bin/busybox" {
			return len(layer) - r.Len()
		}
	}
}
