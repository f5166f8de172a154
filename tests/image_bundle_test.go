package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// importTestImage builds the test image and imports it as l:t.
func importTestImage(t *testing.T) (store string, im *testImage) {
	t.Helper()
	im = buildImage(t, 0)
	store = newStore(t)
	if r := img(t, store, "import", filepath.Join(im.dir, "L")); r.code != 0 {
		t.Fatalf("import: exit %d %s", r.code, r.stderr)
	}
	return store, im
}

// `bundle REF DIR` writes a bundle that our run --bundle, runc and crun
// all run: the image's Cmd and WorkingDir, its layers merged (the top
// layer's file there, the whited-out file and the opaque directory's old
// entry gone, the hard link still one inode, setuid kept).
func TestImageBundleRunsEverywhere(t *testing.T) {
	store, _ := importTestImage(t)
	dir := filepath.Join(t.TempDir(), "b")
	must(t, os.Mkdir(dir, 0o755)) // an empty directory is accepted
	if r := img(t, store, "bundle", "l:t", dir, "--", "sh", "-c", "cat top; pwd; test -e /etc/gone || echo gone; ls /opq; ls -i hard top | awk '{print $1}' | uniq | wc -l; stat -c %a /bin/suid"); r.code != 0 {
		t.Fatalf("bundle: exit %d %s", r.code, r.stderr)
	}
	want := "from the top layer\n/srv\ngone\nnew\n1\n4755\n"
	var cfg map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "config.json"))
	must(t, err)
	must(t, json.Unmarshal(b, &cfg))
	if cfg["root"].(map[string]any)["path"] != "rootfs" {
		t.Errorf("root.path: %v", cfg["root"])
	}
	if r := run(t, "--root", t.TempDir(), "run", "--bundle", dir, "bundle-ours-"+marker()); r.stdout != want {
		t.Errorf("run --bundle: exit %d %q, want %q %s", r.code, r.stdout, want, r.stderr)
	}
	// runc and crun make cgroups: under a parent of this project's, and
	// crun 1.8 refuses a hybrid host, so it runs without cgroups, in a
	// mount namespace where cgroup2 is hidden (as bench/run.sh does).
	// runc leaves the parent in every v1 hierarchy (and systemd's).
	t.Cleanup(func() {
		dirs, _ := filepath.Glob("/sys/fs/cgroup/*/mycontainer-test-bundle")
		for _, d := range dirs {
			if err := os.Remove(d); err != nil && !os.IsNotExist(err) { // cpu and cpuacct may be one
				t.Errorf("remove the test's cgroup: %v", err)
			}
		}
	})
	cg := map[string]any{}
	for k, v := range cfg {
		cg[k] = v
	}
	cg["linux"].(map[string]any)["cgroupsPath"] = "/mycontainer-test-bundle/runc"
	b, err = json.Marshal(cg)
	must(t, err)
	must(t, os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644))
	for _, rt := range []struct{ name, script string }{
		{"runc", `exec runc --root "$1" run --bundle "$2" bundle-runc`},
		{"crun", `if [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then mount -t tmpfs hide /sys/fs/cgroup/unified; fi
exec crun --cgroup-manager=disabled --root "$1" run --bundle "$2" bundle-crun`},
	} {
		if _, err := exec.LookPath(rt.name); err != nil {
			t.Logf("%s is not installed: skipped", rt.name)
			continue
		}
		// unshare -m: a runtime's mounts stay out of the host's namespace
		// even if the config were wrong.
		out, err := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c", rt.script, "sh",
			t.TempDir(), dir).Output()
		if err != nil || string(out) != want {
			t.Errorf("%s run: %v %q, want %q", rt.name, err, out, want)
		}
	}
}

// Bad input: a missing image, a non-empty DIR, a symlink as DIR (even to
// an empty directory), a file as DIR: one line, exit 125, nothing written.
func TestImageBundleBadInput(t *testing.T) {
	store, _ := importTestImage(t)
	d := t.TempDir()
	must(t, os.Mkdir(d+"/full", 0o755))
	must(t, os.WriteFile(d+"/full/keep", []byte("mine\n"), 0o644))
	must(t, os.Mkdir(d+"/empty", 0o755))
	must(t, os.Symlink("empty", d+"/link"))
	must(t, os.WriteFile(d+"/file", []byte("x"), 0o644))
	before := treeSum(t, d)
	for _, c := range []struct{ ref, dir, want string }{
		{"nosuch:1", d + "/new", "no such image"},
		{"l:t", d + "/full", "not empty"},
		{"l:t", d + "/link", "a symlink: refused"},
		{"l:t", d + "/link/", "a symlink: refused"},
		{"l:t", d + "/file", "not a directory"},
		{"l:t", d + "/missing/new", "the parent directory"},
	} {
		r := img(t, store, "bundle", c.ref, c.dir)
		oneLine(t, "bundle "+c.ref+" "+c.dir, r, c.want)
	}
	if after := treeSum(t, d); after != before {
		t.Errorf("bad bundles changed the directory:\nbefore:\n%s\nafter:\n%s", before, after)
	}
}

// bundle SIGKILLed at any moment: DIR is the whole bundle or absent,
// never a part; the half-written copy beside it goes with the next bundle.
func TestImageBundleKilledMidway(t *testing.T) {
	store, _ := importTestImage(t)
	d := t.TempDir()
	killed := 0
	// A parent each: a bundle sweeps the half bundles in its own parent.
	var parents []string
	half := func() (n int) {
		for _, p := range parents {
			for _, e := range dirNames(t, p) {
				if strings.HasPrefix(e, ".mycontainer-bundle-") {
					n++
				}
			}
		}
		return n
	}
	// How long one whole bundle takes here (the cgroup v2 VM, emulated,
	// is many times slower than the host), then kills spread over that
	// time, until one lands mid-copy and leaves a half bundle.
	begin := time.Now()
	if r := img(t, store, "bundle", "l:t", filepath.Join(d, "timed")); r.code != 0 {
		t.Fatalf("bundle: exit %d %s", r.code, r.stderr)
	}
	whole := time.Since(begin)
	for i := 0; i < 30 && (killed == 0 || half() == 0); i++ {
		at := whole * time.Duration(i%10+1) / 11
		p := filepath.Join(d, fmt.Sprint(i))
		must(t, os.Mkdir(p, 0o755))
		parents = append(parents, p)
		cmd := exec.Command(binary, "bundle", "--storage", store, "l:t", p+"/b")
		must(t, cmd.Start())
		time.Sleep(at)
		must(t, cmd.Process.Signal(syscall.SIGKILL))
		if err := cmd.Wait(); err != nil {
			killed++
		}
		if _, err := os.Lstat(p + "/b"); err == nil {
			if _, err := os.Stat(p + "/b/config.json"); err != nil {
				t.Errorf("killed after %v: %s/b exists without config.json: a half bundle", at, p)
			}
		}
	}
	if half() == 0 || killed == 0 {
		t.Errorf("no half-written bundle left by %d killed runs: the sweep below proves nothing", killed)
	}
	for _, p := range parents {
		if r := img(t, store, "bundle", "l:t", p+"/last"); r.code != 0 {
			t.Fatalf("bundle: exit %d %s", r.code, r.stderr)
		}
	}
	if n := half(); n != 0 {
		t.Errorf("%d half bundles left after the next bundles", n)
	}
}
