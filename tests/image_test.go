package tests

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A real registry on loopback, a multi-layer image pushed to it, then
// pull, images, run --image (the top layer's file, the whiteout, the
// opaque directory, the hard link, the symlink, the setuid bit, the
// image's Cmd, Env and WorkingDir), rmi and prune.
func TestImagePullRunRmiPrune(t *testing.T) {
	im := buildImage(t, 0)
	addr := startRegistry(t)
	ref := im.push(t, addr, "test/busybox:t")
	store := newStore(t)

	r := img(t, store, "pull", ref)
	if r.code != 0 || !strings.HasPrefix(r.stdout, "sha256:") {
		t.Fatalf("pull: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	ims := storeImages(t, store)
	if len(ims) != 1 || !slices.Contains(ims[0].Names, ref) || len(ims[0].Layers) != 5 {
		t.Fatalf("images after pull: %+v", ims)
	}

	if r := runImage(t, store, ref); r.code != 0 || r.stdout != "from the top layer\n" {
		t.Errorf("the image's Cmd: exit %d, %q %s", r.code, r.stdout, r.stderr)
	}
	r = runImage(t, store, ref, "--", "sh", "-c", `
		test -e /etc/gone && echo "whiteout ignored"
		ls /opq
		stat -c '%a %h' /bin/suid /srv/hard
		readlink /srv/link
		echo "$FOO $(pwd)"`)
	want := "new\n4755 1\n644 2\ntop\nfrom-image /srv\n"
	if r.code != 0 || r.stdout != want {
		t.Errorf("the layers seen from the container: exit %d\n%s\nwant:\n%s\n%s", r.code, r.stdout, want, r.stderr)
	}
	if r := runImage(t, store, ref, "-e", "FOO=flag", "-w", "/etc", "--", "sh", "-c", `echo "$FOO $(pwd)"`); r.stdout != "flag /etc\n" {
		t.Errorf("-e and -w override the image: %q %s", r.stdout, r.stderr)
	}

	// A container writes into /: the layers are unchanged, and its upper
	// directory is gone when it ends.
	layers := treeSum(t, filepath.Join(store, "layers"))
	r = runImage(t, store, ref, "--", "sh", "-c", `echo changed > /srv/top && rm /bin/busybox.nope 2>/dev/null; rm -f /srv/hard && echo new > /newfile && mkdir -p /opq/deep && cat /srv/top`)
	if r.code != 0 || r.stdout != "changed\n" {
		t.Errorf("write into /: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	if after := treeSum(t, filepath.Join(store, "layers")); after != layers {
		t.Errorf("a container's writes changed the image's layers")
	}
	if left := upperDirs(t, store); len(left) != 0 {
		t.Errorf("upper directories left after the container ended: %v", left)
	}
	if r := runImage(t, store, ref, "--", "cat", "/srv/top"); r.stdout != "from the top layer\n" {
		t.Errorf("the next container sees the last one's writes: %q", r.stdout)
	}
	if m := overlayMountsOf(t, store); len(m) != 0 {
		t.Errorf("mounts of the store on the host: %v", m)
	}

	if r := img(t, store, "rmi", ref); r.code != 0 {
		t.Fatalf("rmi: exit %d %s", r.code, r.stderr)
	}
	if ims := storeImages(t, store); len(ims) != 0 {
		t.Errorf("images after rmi: %+v", ims)
	}
	if left := dirNames(t, filepath.Join(store, "layers")); len(left) != 0 {
		t.Errorf("layers after rmi: %v", left)
	}
	if r := run(t, "image", "prune", "--storage", store); r.code != 0 {
		t.Errorf("prune: exit %d %s", r.code, r.stderr)
	}
	if left := dirNames(t, filepath.Join(store, "blobs", "sha256")); len(left) != 0 {
		t.Errorf("blobs after rmi and prune: %v", left)
	}
}

// import of the archives users have: `docker save`/`podman save`'s
// docker-archive, an oci-archive, and an OCI layout directory.
func TestImageImportArchives(t *testing.T) {
	im := buildImage(t, 0)
	d := t.TempDir()
	docker := filepath.Join(d, "docker.tar")
	oci := filepath.Join(d, "oci.tar")
	sh(t, "skopeo", "copy", "oci:"+im.layout, "docker-archive:"+docker+":test/imported:1")
	sh(t, "skopeo", "copy", "oci:"+im.layout, "oci-archive:"+oci+":test/ociarchive:2")
	store := newStore(t)
	for _, c := range []struct{ path, name string }{
		{docker, "test/imported:1"},
		{oci, "test/ociarchive:2"},
		{filepath.Join(im.dir, "L"), "l:t"},
	} {
		if r := img(t, store, "import", c.path); r.code != 0 {
			t.Errorf("import %s: exit %d %s", c.path, r.code, r.stderr)
			continue
		}
		if r := runImage(t, store, c.name, "--", "sh", "-c", "cat /srv/top; test -e /etc/gone || echo gone"); r.stdout != "from the top layer\ngone\n" {
			t.Errorf("run --image %s: exit %d %q %s", c.name, r.code, r.stdout, r.stderr)
		}
	}
	// One image (one config digest) under three names, its layers stored
	// once: a directory and a .size file each.
	ims := storeImages(t, store)
	if len(ims) != 1 || len(ims[0].Names) != 3 || len(dirNames(t, filepath.Join(store, "layers"))) != 2*len(ims[0].Layers) {
		t.Errorf("want one image with three names and its layers once: %+v, %v", ims, dirNames(t, filepath.Join(store, "layers")))
	}
}

// --overlay: a plain rootfs directory under a copy-on-write root is
// never changed by the container.
func TestImageOverlayOverRootfs(t *testing.T) {
	store := newStore(t)
	before := treeSum(t, rootfs)
	r := run(t, "run", "--no-tty", "--storage", store, "--rootfs", rootfs, "--overlay", "--", "sh", "-c", "echo x > /etc/passwd && rm /bin/ls && echo ok")
	if r.code != 0 || r.stdout != "ok\n" {
		t.Fatalf("run --overlay: exit %d %q %s", r.code, r.stdout, r.stderr)
	}
	if treeSum(t, rootfs) != before {
		t.Error("the rootfs changed under --overlay")
	}
	if left := upperDirs(t, store); len(left) != 0 {
		t.Errorf("upper directories left: %v", left)
	}
}

func TestImageEntrypointAndUser(t *testing.T) {
	im := buildImage(t, 0)
	sh(t, "umoci", "config", "--image", im.layout, "--config.entrypoint", "echo", "--config.cmd", "default",
		"--config.user", "alice")
	store := newStore(t)
	if r := img(t, store, "import", filepath.Join(im.dir, "L")); r.code != 0 {
		t.Fatalf("import: %s", r.stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{nil, "default\n"},
		{[]string{"--", "given"}, "given\n"},
		{[]string{"--entrypoint", "id", "--", "-u"}, "1000\n"},
		{[]string{"-u", "0", "--entrypoint", "id", "--", "-u"}, "0\n"},
	} {
		if r := runImage(t, store, "l:t", c.args...); r.stdout != c.want {
			t.Errorf("run --image l:t %v: exit %d %q, want %q %s", c.args, r.code, r.stdout, c.want, r.stderr)
		}
	}
}
