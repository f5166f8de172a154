package tests

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// A pull SIGKILLed mid-blob leaves no layer a run could use (layers are
// unpacked in tmp/ and renamed after both digests matched) and no image
// entry; the next pull removes its debris and completes.
func TestImagePullKilledMidBlob(t *testing.T) {
	im := buildImage(t, 48)
	addr := startRegistry(t)
	ref := im.push(t, addr, "test/big:t")
	store := newStore(t)
	cmd := exec.Command(binary, "pull", "--storage", store, "-q", ref)
	must(t, cmd.Start())
	killed := false
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if tmpLayerWithData(filepath.Join(store, "tmp"), 1<<20) {
			must(t, cmd.Process.Signal(syscall.SIGKILL))
			killed = true
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	_ = cmd.Wait()
	if !killed {
		t.Fatal("the pull never had a layer half-unpacked to kill it on")
	}
	if _, err := os.Stat(filepath.Join(store, "images.json")); err == nil {
		if ims := storeImages(t, store); len(ims) != 0 {
			t.Errorf("a killed pull recorded an image: %+v", ims)
		}
	}
	// Every layer directory present is one whose digests matched: the
	// complete pull below finds them and leaves them as they are.
	kept := map[string]string{}
	for _, n := range dirNames(t, filepath.Join(store, "layers")) {
		if !strings.HasSuffix(n, ".size") {
			kept[n] = treeSum(t, filepath.Join(store, "layers", n))
		}
	}
	if r := img(t, store, "pull", ref); r.code != 0 {
		t.Fatalf("pull again: exit %d %s", r.code, r.stderr)
	}
	for n, sum := range kept {
		if treeSum(t, filepath.Join(store, "layers", n)) != sum {
			t.Errorf("layer %s, kept after the kill, differs from the complete pull's", n)
		}
	}
	for _, n := range dirNames(t, filepath.Join(store, "tmp")) {
		if !strings.HasSuffix(n, ".lock") {
			t.Errorf("tmp/%s left after the next pull", n)
		}
	}
	if r := runImage(t, store, ref, "--", "sh", "-c", "wc -c < /big/random"); strings.TrimSpace(r.stdout) != "50331648" {
		t.Errorf("run after the re-pull: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
}

// tmpLayerWithData reports whether a layer being unpacked in tmp/ holds
// at least n bytes.
func tmpLayerWithData(tmp string, n int64) bool {
	ents, _ := os.ReadDir(tmp)
	for _, e := range ents {
		if !e.IsDir() || !strings.HasPrefix(e.Name(), "layer-") {
			continue
		}
		fi, err := os.Stat(filepath.Join(tmp, e.Name(), "big", "random"))
		if err == nil && fi.Size() >= n {
			return true
		}
	}
	return false
}

// Two pulls of the same image at once, with a prune and a run beside
// them: both succeed, each layer is written once.
func TestImageParallelPulls(t *testing.T) {
	im := buildImage(t, 8)
	addr := startRegistry(t)
	ref := im.push(t, addr, "test/par:t")
	store := newStore(t)
	var wg sync.WaitGroup
	res := make([]result, 2)
	for i := range res {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res[i] = img(t, store, "pull", "-q", ref)
		}()
	}
	// A prune during the pulls never takes a layer they unpacked.
	if r := run(t, "image", "prune", "--storage", store); r.code != 0 {
		t.Errorf("prune during the pulls: exit %d %s", r.code, r.stderr)
	}
	// A run during the pull either finds no image yet or a whole one.
	r := runImage(t, store, ref, "--", "true")
	if r.code != 0 && !strings.Contains(r.stderr, "no such image") {
		t.Errorf("run during the pulls: exit %d %s", r.code, r.stderr)
	}
	wg.Wait()
	for i, r := range res {
		if r.code != 0 {
			t.Errorf("pull %d: exit %d %s", i, r.code, r.stderr)
		}
	}
	if res[0].stdout != res[1].stdout {
		t.Errorf("two pulls, two IDs: %q %q", res[0].stdout, res[1].stdout)
	}
	ims := storeImages(t, store)
	if len(ims) != 1 || len(dirNames(t, filepath.Join(store, "layers"))) != 2*len(ims[0].Layers) {
		t.Errorf("want one image and each layer once: %+v %v", ims, dirNames(t, filepath.Join(store, "layers")))
	}
	if r := runImage(t, store, ref); r.stdout != "from the top layer\n" {
		t.Errorf("run: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
}

// The runtime SIGKILLed while its image container runs: the overlay was
// only ever mounted in the container's mount namespace, so no mount is
// left on the host; the upper directory stays until the next run, which
// removes it.
func TestImageRunKilledLeavesNothing(t *testing.T) {
	im := buildImage(t, 0)
	store := newStore(t)
	if r := img(t, store, "import", filepath.Join(im.dir, "L")); r.code != 0 {
		t.Fatalf("import: %s", r.stderr)
	}
	eachOverlayPath(t, func(t *testing.T, _ string) {
		for _, at := range []time.Duration{0, 2 * time.Millisecond, 10 * time.Millisecond, 500 * time.Millisecond} {
			mark := marker()
			cmd := exec.Command(binary, "run", "--no-tty", "--storage", store, "--image", "l:t", "--", "sleep", mark)
			must(t, cmd.Start())
			if at == 500*time.Millisecond {
				// The runtime's own command line holds the mark too.
				waitFor(t, "the container's sleep", func() bool { return len(processesWith(mark)) > 1 })
				if m := overlayMountsOf(t, store); len(m) != 0 {
					t.Errorf("the running container's overlay is mounted on the host: %v", m)
				}
			} else {
				time.Sleep(at)
			}
			must(t, cmd.Process.Signal(syscall.SIGKILL))
			_ = cmd.Wait()
			waitFor(t, "the container to die with the runtime", func() bool { return len(processesWith(mark)) == 0 })
			if m := overlayMountsOf(t, store); len(m) != 0 {
				t.Errorf("killed after %v: mounts left on the host: %v", at, m)
			}
		}
		// The next run sweeps the killed runs' upper directories.
		if left := upperDirs(t, store); len(left) == 0 {
			t.Error("no upper directory left by the killed runs: the sweep below proves nothing")
		}
		if r := runImage(t, store, "l:t", "--", "true"); r.code != 0 {
			t.Fatalf("run: exit %d %s", r.code, r.stderr)
		}
		if left := upperDirs(t, store); len(left) != 0 {
			t.Errorf("upper directories left after the sweeping run: %v", left)
		}
	})
}
