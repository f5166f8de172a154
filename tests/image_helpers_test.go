package tests

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// testImage is an OCI layout the test built from the busybox rootfs,
// without any download: a base layer, a top layer (a file, a symlink, a
// hard link, a setuid file), a whiteout and an opaque directory.
type testImage struct {
	layout string // DIR:TAG, for umoci and skopeo ("oci:" + layout)
	dir    string
}

func needTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("MYCONTAINER_TEST_BIN") != "" {
				t.Skipf("%s is not installed where the prebuilt binary runs (the cgroup v2 VM)", tool)
			}
			t.Fatalf("%s is missing: `make deps` installs it (Debian's docker-registry, skopeo, umoci)", tool)
		}
	}
}

func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	if name == "umoci" || name == "skopeo" {
		needTools(t, name) // the cgroup v2 VM has neither: skipped there
	}
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// buildImage makes the test image; bigMB adds a layer of that many MiB
// of random (incompressible) bytes, for a pull long enough to kill.
func buildImage(t *testing.T, bigMB int) *testImage {
	t.Helper()
	d := t.TempDir()
	im := &testImage{layout: filepath.Join(d, "L") + ":t", dir: d}
	if from := os.Getenv(layoutEnv); from != "" && bigMB == 0 {
		// The cgroup v2 VM has no umoci: the host built the layout.
		must(t, os.CopyFS(filepath.Join(d, "L"), os.DirFS(from)))
		return im
	}
	needTools(t, "umoci", "skopeo")
	sh(t, "umoci", "init", "--layout", filepath.Join(d, "L"))
	sh(t, "umoci", "new", "--image", im.layout)
	sh(t, "umoci", "insert", "--image", im.layout, rootfs, "/")
	base := filepath.Join(d, "base")
	extra := filepath.Join(d, "extra")
	for _, p := range []string{base + "/etc", base + "/opq", extra + "/srv", extra + "/bin", d + "/opqnew"} {
		must(t, os.MkdirAll(p, 0o755))
	}
	must(t, os.WriteFile(base+"/etc/gone", []byte("deleted by a whiteout\n"), 0o644))
	must(t, os.WriteFile(base+"/opq/old", []byte("hidden by an opaque dir\n"), 0o644))
	must(t, os.WriteFile(extra+"/srv/top", []byte("from the top layer\n"), 0o644))
	must(t, os.Symlink("top", extra+"/srv/link"))
	must(t, os.Link(extra+"/srv/top", extra+"/srv/hard"))
	must(t, os.WriteFile(extra+"/bin/suid", []byte("#!/bin/sh\n"), 0o755))
	must(t, syscall.Chmod(extra+"/bin/suid", 0o4755)) // os.Chmod wants os.ModeSetuid
	must(t, os.WriteFile(d+"/opqnew/new", []byte("new\n"), 0o644))
	sh(t, "umoci", "insert", "--image", im.layout, base, "/")
	sh(t, "umoci", "insert", "--image", im.layout, extra, "/")
	sh(t, "umoci", "insert", "--image", im.layout, "--whiteout", "/etc/gone")
	sh(t, "umoci", "insert", "--image", im.layout, "--opaque", d+"/opqnew", "/opq")
	if bigMB > 0 {
		big := filepath.Join(d, "big")
		must(t, os.MkdirAll(big, 0o755))
		f, err := os.Create(big + "/random")
		must(t, err)
		_, err = io.CopyN(f, rand.Reader, int64(bigMB)<<20)
		must(t, err)
		must(t, f.Close())
		sh(t, "umoci", "insert", "--image", im.layout, big, "/big")
	}
	sh(t, "umoci", "config", "--image", im.layout, "--config.cmd", "cat", "--config.cmd", "/srv/top",
		"--config.env", "PATH=/bin", "--config.env", "FOO=from-image", "--config.workingdir", "/srv")
	return im
}

// layoutEnv names the test image's OCI layout built beforehand (make
// test-v2 builds it on the host with TestImageLayoutForVM and passes it
// to the VM, which has no umoci); buildImage then copies it.
const layoutEnv = "MYCONTAINER_TEST_IMAGE_LAYOUT"

// TestImageLayoutForVM writes the test image's OCI layout into
// $MYCONTAINER_TEST_WRITE_IMAGE_LAYOUT, for make test-v2 (a step of it,
// not a test: skipped without the variable).
func TestImageLayoutForVM(t *testing.T) {
	out := os.Getenv("MYCONTAINER_TEST_WRITE_IMAGE_LAYOUT")
	if out == "" {
		t.Skip("MYCONTAINER_TEST_WRITE_IMAGE_LAYOUT is not set (make test-v2 sets it)")
	}
	for _, tool := range []string{"umoci", "skopeo"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: `make deps` installs it", tool) // never a skip: the VM needs the layout
		}
	}
	im := buildImage(t, 0)
	must(t, os.CopyFS(out, os.DirFS(filepath.Join(im.dir, "L"))))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// startRegistry runs Debian's docker-registry on 127.0.0.1 with its own
// storage, and stops it (by its PID) when the test ends.
func startRegistry(t *testing.T) string {
	t.Helper()
	needTools(t, "docker-registry")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	addr := l.Addr().String()
	l.Close()
	d := t.TempDir()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s/reg\nhttp:\n  addr: %s\n", d, addr)
	must(t, os.WriteFile(d+"/reg.yml", []byte(cfg), 0o644))
	cmd := exec.Command("docker-registry", "serve", d+"/reg.yml")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	must(t, cmd.Start())
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	for i := 0; ; i++ {
		r, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			r.Body.Close()
			return addr
		}
		if i == 100 {
			t.Fatalf("the registry on %s did not answer: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (im *testImage) push(t *testing.T, addr, repo string) string {
	t.Helper()
	ref := addr + "/" + repo
	sh(t, "skopeo", "copy", "--dest-tls-verify=false", "oci:"+im.layout, "docker://"+ref)
	return ref
}

// newStore is an empty image store under the test's temporary directory.
func newStore(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(binary + "-image"); err != nil && os.Getenv("MYCONTAINER_TEST_BIN") != "" {
		t.Skip("no mycontainer-image beside the prebuilt binary (the cgroup v2 VM)")
	}
	return filepath.Join(t.TempDir(), "store")
}

// img runs an image verb with the store.
func img(t *testing.T, store string, args ...string) result {
	t.Helper()
	return run(t, append(args[:1:1], append([]string{"--storage", store}, args[1:]...)...)...)
}

// runImage is `run --no-tty --storage STORE --image REF ARGS...`.
func runImage(t *testing.T, store, ref string, args ...string) result {
	t.Helper()
	return run(t, append([]string{"run", "--no-tty", "--storage", store, "--image", ref}, args...)...)
}

// treeSum lists every file under dir with its type, mode, owner, size,
// link target and content hash: to show a tree did not change.
func treeSum(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		st := fi.Sys().(*syscall.Stat_t)
		line := fmt.Sprintf("%s %v %d:%d %d", strings.TrimPrefix(p, dir), fi.Mode(), st.Uid, st.Gid, fi.Size())
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			line += " -> " + l
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			sum := sha256.Sum256(b)
			line += " " + hex.EncodeToString(sum[:8])
		}
		lines = append(lines, line)
		return nil
	})
	must(t, err)
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		out = append(out, e.Name())
	}
	return out
}

// upperDirs lists the store's containers/ but the spares: the pristine
// upper and work directories a run whose container wrote nothing leaves
// for the next (image/spares.go).
func upperDirs(t *testing.T, store string) []string {
	t.Helper()
	var out []string
	for _, n := range dirNames(t, filepath.Join(store, "containers")) {
		if !strings.HasPrefix(n, "spare-") {
			out = append(out, n)
		}
	}
	return out
}

// storeImages reads `images --format json`.
func storeImages(t *testing.T, store string) []struct {
	ID     string
	Names  []string
	Layers []string
} {
	t.Helper()
	r := img(t, store, "images", "--format", "json")
	if r.code != 0 {
		t.Fatalf("images: exit %d: %s", r.code, r.stderr)
	}
	var out []struct {
		ID     string
		Names  []string
		Layers []string
	}
	must(t, json.Unmarshal([]byte(r.stdout), &out))
	return out
}

// overlayMountsOf lists the host's mounts that mention the store: an
// image's root is mounted only in its container's mount namespace.
func overlayMountsOf(t *testing.T, store string) []string {
	t.Helper()
	var out []string
	for _, l := range mountinfo(t) {
		if strings.Contains(l, store) {
			out = append(out, l)
		}
	}
	return out
}

// oneLine checks that a failure is one line on stderr (beside the
// progress lines of the blobs that came before), exit 125.
func oneLine(t *testing.T, what string, r result, want string) {
	t.Helper()
	var errs []string
	for _, l := range strings.Split(r.stderr, "\n") {
		if strings.HasPrefix(l, "mycontainer: ") {
			errs = append(errs, l)
		}
	}
	if r.code != 125 || len(errs) != 1 || !strings.Contains(errs[0], want) {
		t.Errorf("%s: want exit 125 and one line with %q, got %d: %q", what, want, r.code, r.stderr)
	}
}
