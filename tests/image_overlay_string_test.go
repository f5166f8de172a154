package tests

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"mycontainer/image"
)

// The two ways the container's overlayfs root is made: with "lowerdir+"
// (Linux 6.8 and later) and with one "lowerdir=" string of fd numbers
// through mount(2) (before 6.8; MYCONTAINER_OVERLAY_STRING=1 forces it,
// so this host, whatever its kernel, tests both).
var overlayPaths = []struct{ name, env, mountOpt string }{
	{"lowerdir+", "0", "lowerdir+="},
	{"lowerdir-string", "1", "lowerdir="},
}

// eachOverlayPath runs f once per way this kernel can make the root.
func eachOverlayPath(t *testing.T, f func(t *testing.T, mountOpt string)) {
	t.Helper()
	for _, p := range overlayPaths {
		t.Run(p.name, func(t *testing.T) {
			if p.env == "0" && !image.LowerdirPlus() {
				t.Skip("this kernel has no overlayfs lowerdir+ (before 6.8): only the string")
			}
			t.Setenv("MYCONTAINER_OVERLAY_STRING", p.env)
			f(t, p.mountOpt)
		})
	}
}

// rootOptions is the container's root mount as mountinfo shows it.
func rootOptions(t *testing.T, mountinfo string) string {
	t.Helper()
	for _, l := range strings.Split(mountinfo, "\n") {
		if f := strings.Fields(l); len(f) > 4 && f[4] == "/" {
			return l
		}
	}
	t.Fatalf("no root in the container's mountinfo:\n%s", mountinfo)
	return ""
}

// manyLayers is more layers than one fsconfig string holds even as fd
// numbers (255 bytes: about 80), and than docker's own 125.
const manyLayers = 130

// An image of 130 layers runs both ways: the top layer's file wins, every
// layer's file is there, and the root was made the way asked (the string
// of fd numbers, not lowerdir+, when forced).
func TestImageManyLayers(t *testing.T) {
	store := newStore(t)
	dir := writeManyLayerLayout(t, manyLayers)
	if r := img(t, store, "import", dir); r.code != 0 {
		t.Fatalf("import of %d layers: exit %d %s", manyLayers, r.code, r.stderr)
	}
	eachOverlayPath(t, func(t *testing.T, mountOpt string) {
		r := runImage(t, store, "m:t", "--", "sh", "-c", "cat /order; ls /l | wc -l; cat /proc/self/mountinfo")
		want := fmt.Sprintf("%d\n%d\n", manyLayers-1, manyLayers)
		if r.code != 0 || !strings.HasPrefix(r.stdout, want) {
			t.Fatalf("run of %d layers: exit %d %q, want %q first %s", manyLayers, r.code, r.stdout, want, r.stderr)
		}
		if root := rootOptions(t, r.stdout); !strings.Contains(root, " overlay ") || !strings.Contains(root, mountOpt) {
			t.Errorf("the root is not an overlay made with %s: %s", mountOpt, root)
		}
		if left := upperDirs(t, store); len(left) != 0 {
			t.Errorf("upper directories left: %v", left)
		}
	})
}

// writeManyLayerLayout writes an OCI layout of n uncompressed layers,
// with no tool (the cgroup v2 VM has no umoci): the first holds busybox
// (sh, cat, ls, wc), each layer i writes /l/i and /order = i.
func writeManyLayerLayout(t *testing.T, n int) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "M")
	must(t, os.MkdirAll(dir+"/blobs/sha256", 0o755))
	blob := func(b []byte) map[string]any {
		sum := sha256.Sum256(b)
		h := hex.EncodeToString(sum[:])
		must(t, os.WriteFile(dir+"/blobs/sha256/"+h, b, 0o644))
		return map[string]any{"digest": "sha256:" + h, "size": len(b)}
	}
	var layers []map[string]any
	var diffIDs []string
	for i := range n {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		file := func(name string, b []byte, mode int64) {
			must(t, tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(b)), Typeflag: tar.TypeReg}))
			_, err := tw.Write(b)
			must(t, err)
		}
		if i == 0 {
			bb, err := os.ReadFile(rootfs + "/bin/busybox")
			must(t, err)
			must(t, tw.WriteHeader(&tar.Header{Name: "bin/", Mode: 0o755, Typeflag: tar.TypeDir}))
			file("bin/busybox", bb, 0o755)
			for _, c := range []string{"sh", "cat", "ls", "wc"} {
				must(t, tw.WriteHeader(&tar.Header{Name: "bin/" + c, Linkname: "busybox", Typeflag: tar.TypeSymlink, Mode: 0o777}))
			}
		}
		must(t, tw.WriteHeader(&tar.Header{Name: "l/", Mode: 0o755, Typeflag: tar.TypeDir}))
		file(fmt.Sprintf("l/%d", i), nil, 0o644)
		file("order", []byte(fmt.Sprintf("%d\n", i)), 0o644)
		must(t, tw.Close())
		d := blob(buf.Bytes())
		d["mediaType"] = "application/vnd.oci.image.layer.v1.tar"
		layers = append(layers, d)
		diffIDs = append(diffIDs, d["digest"].(string))
	}
	js := func(v any) []byte {
		b, err := json.Marshal(v)
		must(t, err)
		return b
	}
	cfg := blob(js(map[string]any{
		"architecture": runtime.GOARCH, "os": "linux",
		"config": map[string]any{"Env": []string{"PATH=/bin"}, "Cmd": []string{"cat", "/order"}},
		"rootfs": map[string]any{"type": "layers", "diff_ids": diffIDs},
	}))
	cfg["mediaType"] = "application/vnd.oci.image.config.v1+json"
	man := blob(js(map[string]any{
		"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
		"config": cfg, "layers": layers,
	}))
	man["mediaType"] = "application/vnd.oci.image.manifest.v1+json"
	man["annotations"] = map[string]string{"org.opencontainers.image.ref.name": "t"}
	must(t, os.WriteFile(dir+"/index.json", js(map[string]any{"schemaVersion": 2, "manifests": []any{man}}), 0o644))
	must(t, os.WriteFile(dir+"/oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`), 0o644))
	return dir
}

// A store or rootfs path with ':', ',' or '\' (overlayfs's separators
// and escape in a lowerdir= string) is one layer, never split into
// layers or options its owner chose: here "D/r:D/evil" would split into
// D/r (a symlink to a whole rootfs) and D/evil (a file /pwned), and
// "D/s:D/evil/layers/H" into D/s and the attacker's copy of layer H,
// with an /etc/passwd that makes alice uid 4242 (the image's says 1000).
func TestImageOverlayPathsWithSeparators(t *testing.T) {
	d := t.TempDir()
	evil := filepath.Join(d, "evil")
	must(t, os.MkdirAll(evil, 0o755))
	must(t, os.WriteFile(evil+"/pwned", []byte("x\n"), 0o644))
	must(t, os.Symlink(rootfs, filepath.Join(d, "r")))
	colon := filepath.Join(d, "r:"+evil)
	comma := filepath.Join(d, `a,upperdir=x,b\c`)
	for _, p := range []string{colon, comma} {
		must(t, os.MkdirAll(filepath.Dir(p), 0o755))
		if out, err := exec.Command("cp", "-a", rootfs, p).CombinedOutput(); err != nil {
			t.Fatalf("cp -a %s %s: %v %s", rootfs, p, err, out)
		}
	}
	im := buildImage(t, 0)
	stores := map[string]string{"colon": filepath.Join(d, "s:"+evil), "comma": filepath.Join(d, `s,workdir=x,\t`)}
	for _, store := range stores {
		if r := img(t, store, "import", filepath.Join(im.dir, "L")); r.code != 0 {
			t.Fatalf("import into %s: exit %d %s", store, r.code, r.stderr)
		}
	}
	must(t, os.Mkdir(filepath.Join(d, "s"), 0o755))
	for _, l := range storeImages(t, stores["colon"])[0].Layers {
		p := filepath.Join(evil, "layers", strings.TrimPrefix(l, "sha256:"))
		must(t, os.MkdirAll(p+"/etc", 0o755))
		must(t, os.WriteFile(p+"/etc/passwd", []byte("root:x:0:0::/:/bin/sh\nalice:x:4242:4242::/:/bin/sh\n"), 0o644))
		must(t, os.WriteFile(p+"/pwned", []byte("x\n"), 0o644))
	}
	eachOverlayPath(t, func(t *testing.T, _ string) {
		for _, root := range []string{colon, comma} {
			r := run(t, "run", "--no-tty", "--storage", stores["colon"], "--rootfs", root, "--overlay", "--", "sh", "-c", "test -e /pwned && echo PWNED; echo ok")
			if r.code != 0 || r.stdout != "ok\n" {
				t.Errorf("run --overlay --rootfs %q: exit %d %q %s", root, r.code, r.stdout, r.stderr)
			}
		}
		for name, store := range stores {
			r := runImage(t, store, "l:t", "-u", "alice", "--", "sh", "-c", "test -e /pwned && echo PWNED; id -u; cat /srv/top")
			if r.code != 0 || r.stdout != "1000\nfrom the top layer\n" {
				t.Errorf("run --image from the %s store %q: exit %d %q %s", name, store, r.code, r.stdout, r.stderr)
			}
		}
	})
}
