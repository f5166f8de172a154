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
	assertEmptyStore(t, store)
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
	if !strings.Contains(errLine, "no space left on device") || strings.Count(errLine, "\n") != 0 {
		t.Errorf("want one line naming the full disk, got %q", errLine)
	}
	want := []string{store + "/blobs", store + "/blobs/sha256", store + "/containers", store + "/layers", store + "/tmp"}
	if strings.Join(rest, "\n") != strings.Join(want, "\n") {
		t.Errorf("a failed import kept files:\n%s", strings.Join(rest, "\n"))
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
	b[1024] ^= 0xff // the first file's content follows its 512-byte header (and the root dir's)
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
