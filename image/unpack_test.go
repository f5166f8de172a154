package image

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Each test is named after the attack it guards: a layer that tries to
// write, link, chmod or create outside its own directory. The "host" is a
// directory beside the layer holding a sentinel file; after the unpack it
// must be exactly as before, and nothing may appear beside it.

type entry struct {
	name, link string
	typ        byte
	body       string
	mode       int64
	uid, gid   int
	size       int64 // when not len(body): a header that lies
	major      int64
	pax        map[string]string
}

func tarOf(t *testing.T, es ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for _, e := range es {
		h := &tar.Header{Name: e.name, Linkname: e.link, Typeflag: e.typ, Mode: e.mode, Uid: e.uid, Gid: e.gid,
			Devmajor: e.major, PAXRecords: e.pax, Format: tar.FormatPAX}
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		if h.Typeflag == tar.TypeReg {
			h.Size = int64(len(e.body))
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatalf("tar header %q: %v", e.name, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

type sandbox struct {
	top, host, layer, sentinel string
	before                     []string
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("unpacking whiteouts, owners and trusted xattrs needs root")
	}
}

// newSandbox: TOP/host/secret (0600) and TOP/a/b/layer, the layer dir.
func newSandbox(t *testing.T) *sandbox {
	t.Helper()
	needRoot(t)
	top := t.TempDir()
	s := &sandbox{top: top, host: filepath.Join(top, "host"), layer: filepath.Join(top, "a", "b", "layer")}
	s.sentinel = filepath.Join(s.host, "secret")
	for _, d := range []string{s.host, s.layer} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(s.sentinel, []byte("host secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.before = s.outside(t)
	return s
}

// outside lists every path under TOP but the layer, with mode, owner,
// size and link count: what an escape would change.
func (s *sandbox) outside(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(s.top, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if p == s.layer {
			return filepath.SkipDir
		}
		st := fi.Sys().(*syscall.Stat_t)
		out = append(out, fmt.Sprintf("%s %v %d:%d %d %d", p, fi.Mode(), st.Uid, st.Gid, st.Size, st.Nlink))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// untouched fails if anything outside the layer changed, and checks that
// /etc/shadow and / were not touched either.
func (s *sandbox) untouched(t *testing.T) {
	t.Helper()
	after := s.outside(t)
	if strings.Join(after, "\n") != strings.Join(s.before, "\n") {
		t.Errorf("the host side changed:\nbefore:\n%s\nafter:\n%s", strings.Join(s.before, "\n"), strings.Join(after, "\n"))
	}
	if b, _ := os.ReadFile(s.sentinel); string(b) != "host secret" {
		t.Errorf("the host's secret now holds %q", b)
	}
}

func (s *sandbox) unpack(t *testing.T, max int64, es ...entry) (*UnpackStats, error) {
	t.Helper()
	return Unpack(bytes.NewReader(tarOf(t, es...)), s.layer, max)
}

// rel is the host path seen from the layer's root, without its leading
// slash: what an absolute name or symlink aims at.
func (s *sandbox) rel(p string) string { return strings.TrimPrefix(p, "/") }

func refused(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrUnsafe) {
		t.Fatalf("want the layer refused as unsafe, got %v", err)
	}
}

func TestUnpackDotDotName(t *testing.T) {
	s := newSandbox(t)
	_, err := s.unpack(t, 0, entry{name: "../../../host/secret", body: "pwned"})
	refused(t, err)
	_, err = s.unpack(t, 0, entry{name: "x/../../../../host/pwned", body: "pwned"})
	refused(t, err)
	s.untouched(t)
}

func TestUnpackAbsoluteNameStaysInLayer(t *testing.T) {
	s := newSandbox(t)
	if _, err := s.unpack(t, 0, entry{name: s.sentinel, body: "pwned"}); err != nil {
		t.Fatal(err)
	}
	s.untouched(t)
	if b, _ := os.ReadFile(filepath.Join(s.layer, s.rel(s.sentinel))); string(b) != "pwned" {
		t.Errorf("an absolute name is written relative to the layer: got %q", b)
	}
}

// CVE-2018-15664 class: a symlink planted by one entry, written through
// by a later one.
func TestUnpackWriteThroughSymlinkToRoot(t *testing.T) {
	s := newSandbox(t)
	_, err := s.unpack(t, 0,
		entry{name: "l", typ: tar.TypeSymlink, link: "/"},
		entry{name: "l/" + s.rel(s.host) + "/pwned", body: "pwned"})
	refused(t, err)
	s.untouched(t)
}

func TestUnpackWriteThroughAbsoluteSymlinkDir(t *testing.T) {
	s := newSandbox(t)
	_, err := s.unpack(t, 0,
		entry{name: "etc", typ: tar.TypeSymlink, link: s.host},
		entry{name: "etc/pwned", body: "pwned"})
	refused(t, err)
	_, err = s.unpack(t, 0, entry{name: "etc/secret", body: "pwned"})
	refused(t, err)
	s.untouched(t)
}

func TestUnpackWriteThroughRelativeSymlinkEscape(t *testing.T) {
	s := newSandbox(t)
	_, err := s.unpack(t, 0,
		entry{name: "up", typ: tar.TypeSymlink, link: "../../../host"},
		entry{name: "up/pwned", body: "pwned"})
	refused(t, err)
	s.untouched(t)
}

func TestUnpackSymlinkNamedDot(t *testing.T) {
	s := newSandbox(t)
	_, err := s.unpack(t, 0, entry{name: ".", typ: tar.TypeSymlink, link: "/"}, entry{name: "pwned", body: "x"})
	refused(t, err)
	_, err = s.unpack(t, 0, entry{name: "./", typ: tar.TypeSymlink, link: s.host})
	refused(t, err)
	s.untouched(t)
	if fi, err := os.Lstat(s.layer); err != nil || !fi.IsDir() {
		t.Errorf("the layer's root is no longer a directory: %v %v", fi, err)
	}
}

func TestUnpackHardlinkToHostShadow(t *testing.T) {
	s := newSandbox(t)
	var before unix.Stat_t
	shadow := "/etc/shadow"
	if err := unix.Stat(shadow, &before); err != nil {
		shadow = s.sentinel
		_ = unix.Stat(shadow, &before)
	}
	_, err := s.unpack(t, 0, entry{name: "shadow", typ: tar.TypeLink, link: shadow})
	refused(t, err)
	_, err = s.unpack(t, 0, entry{name: "shadow", typ: tar.TypeLink, link: "../../../host/secret"})
	refused(t, err)
	// A relative name that only exists on the host, not in the layer.
	_, err = s.unpack(t, 0, entry{name: "shadow", typ: tar.TypeLink, link: s.rel(shadow)})
	refused(t, err)
	var after unix.Stat_t
	_ = unix.Stat(shadow, &after)
	if after.Nlink != before.Nlink {
		t.Errorf("%s gained a link: %d -> %d", shadow, before.Nlink, after.Nlink)
	}
	s.untouched(t)
}

func TestUnpackHardlinkThroughSymlink(t *testing.T) {
	s := newSandbox(t)
	_, err := s.unpack(t, 0,
		entry{name: "h", typ: tar.TypeSymlink, link: s.host},
		entry{name: "stolen", typ: tar.TypeLink, link: "h/secret"})
	refused(t, err)
	s.untouched(t)
}

// CVE-2021-32760: a chmod or chown that follows a symlink the tar planted.
func TestUnpackChmodChownThroughSymlink(t *testing.T) {
	s := newSandbox(t)
	_, err := s.unpack(t, 0,
		entry{name: "f", typ: tar.TypeSymlink, link: s.sentinel},
		entry{name: "f", body: "mine", mode: 0o777, uid: 1234, gid: 1234},
		entry{name: "d", typ: tar.TypeSymlink, link: s.host},
		entry{name: "d", typ: tar.TypeDir, mode: 0o777, uid: 1234, gid: 1234})
	if err != nil {
		t.Fatal(err)
	}
	s.untouched(t)
	for _, n := range []string{"f", "d"} {
		fi, err := os.Lstat(filepath.Join(s.layer, n))
		if err != nil || fi.Mode()&os.ModeSymlink != 0 {
			t.Errorf("%s: want the symlink replaced by the entry, got %v %v", n, fi, err)
		}
	}
}

func TestUnpackDeviceNodesDropped(t *testing.T) {
	s := newSandbox(t)
	st, err := s.unpack(t, 0,
		entry{name: "mem", typ: tar.TypeChar, major: 1, mode: 0o666},
		entry{name: "sda", typ: tar.TypeBlock, major: 8, mode: 0o666})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Dropped) != 2 {
		t.Errorf("dropped %v, want mem and sda", st.Dropped)
	}
	for _, n := range []string{"mem", "sda"} {
		if _, err := os.Lstat(filepath.Join(s.layer, n)); err == nil {
			t.Errorf("device node %s was created", n)
		}
	}
	s.untouched(t)
}

func TestUnpackWhiteoutOfDotDot(t *testing.T) {
	s := newSandbox(t)
	for _, n := range []string{".wh..", "x/.wh..", ".wh.", "x/.wh.", ".wh..."} {
		_, err := s.unpack(t, 0, entry{name: n, body: ""})
		refused(t, err)
	}
	s.untouched(t)
}

func TestUnpackWhiteoutsBecomeOverlayWhiteouts(t *testing.T) {
	s := newSandbox(t)
	_, err := s.unpack(t, 0,
		entry{name: "d/", typ: tar.TypeDir, mode: 0o755},
		entry{name: "d/.wh..wh..opq"},
		entry{name: ".wh.gone"},
		entry{name: "e/.wh.old"},
		entry{name: ".wh..wh.plnk"})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"gone", "e/old"} {
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(s.layer, n), &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != 0 {
			t.Errorf("%s: want a 0/0 character device, got mode %o rdev %d (%v)", n, st.Mode, st.Rdev, err)
		}
	}
	v := make([]byte, 8)
	n, err := unix.Lgetxattr(filepath.Join(s.layer, "d"), "trusted.overlay.opaque", v)
	if err != nil || string(v[:n]) != "y" {
		t.Errorf("d: want trusted.overlay.opaque=y, got %q %v", v[:max(n, 0)], err)
	}
	if _, err := os.Lstat(filepath.Join(s.layer, ".wh..wh.plnk")); err == nil {
		t.Error("an aufs meta file was kept")
	}
	s.untouched(t)
}

func TestUnpackHugeNames(t *testing.T) {
	s := newSandbox(t)
	_, err := s.unpack(t, 0, entry{name: strings.Repeat("a/", 3000) + "f", body: "x"})
	refused(t, err)
	_, err = s.unpack(t, 0, entry{name: strings.Repeat("n", 300), body: "x"})
	refused(t, err)
	// Go's tar reader refuses PAX records over 1 MiB itself.
	s.untouched(t)
}

func TestUnpackTarBombSizeGuard(t *testing.T) {
	s := newSandbox(t)
	big := strings.Repeat("\x00", 3<<20)
	_, err := s.unpack(t, 2<<20, entry{name: "bomb", body: big})
	refused(t, err)
	_, err = s.unpack(t, 2<<20, entry{name: "a", body: big[:1<<20]}, entry{name: "b", body: big[:1<<20]},
		entry{name: "c", body: big[:1<<20]})
	refused(t, err)
	s.untouched(t)
}

func TestUnpackKeepsOwnerModeSetuidAndCapabilities(t *testing.T) {
	s := newSandbox(t)
	// A v2 security.capability, effective, for cap_net_raw (bit 13).
	capv3 := string([]byte{1, 0, 0, 2, 0, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	_, err := s.unpack(t, 0,
		entry{name: "bin/su", body: "#!", mode: 0o4755, uid: 1000, gid: 50},
		entry{name: "bin/ping", body: "#!", mode: 0o755, pax: map[string]string{
			"SCHILY.xattr.security.capability":      capv3,
			"SCHILY.xattr.user.note":                "kept",
			"SCHILY.xattr.trusted.overlay.redirect": "/host",
			"SCHILY.xattr.trusted.overlay.metacopy": "",
			"SCHILY.xattr.security.selinux":         "system_u:object_r:shadow_t:s0",
		}},
		entry{name: "srv/", typ: tar.TypeDir, mode: 0o1777, uid: 7, gid: 8},
		entry{name: "bin/su2", typ: tar.TypeLink, link: "bin/su"},
		entry{name: "bin/sh", typ: tar.TypeSymlink, link: "/bin/busybox"})
	if err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Lstat(filepath.Join(s.layer, "bin/su"), &st); err != nil || st.Mode&0o7777 != 0o4755 || st.Uid != 1000 || st.Gid != 50 || st.Nlink != 2 {
		t.Errorf("bin/su: mode %o uid %d gid %d nlink %d (%v), want 4755 1000:50, 2 links", st.Mode&0o7777, st.Uid, st.Gid, st.Nlink, err)
	}
	if err := unix.Lstat(filepath.Join(s.layer, "srv"), &st); err != nil || st.Mode&0o7777 != 0o1777 || st.Uid != 7 {
		t.Errorf("srv: mode %o uid %d (%v), want 1777 7", st.Mode&0o7777, st.Uid, err)
	}
	ping := filepath.Join(s.layer, "bin/ping")
	buf := make([]byte, 64)
	if n, err := unix.Lgetxattr(ping, "security.capability", buf); err != nil || string(buf[:n]) != capv3 {
		t.Errorf("security.capability not kept: %v", err)
	}
	if n, err := unix.Lgetxattr(ping, "user.note", buf); err != nil || string(buf[:n]) != "kept" {
		t.Errorf("user.note not kept: %v", err)
	}
	for _, x := range []string{"trusted.overlay.redirect", "trusted.overlay.metacopy", "security.selinux"} {
		if n, err := unix.Lgetxattr(ping, x, buf); err == nil && !(x == "security.selinux" && n == 0) {
			t.Errorf("%s was set from the image", x)
		}
	}
	if l, _ := os.Readlink(filepath.Join(s.layer, "bin/sh")); l != "/bin/busybox" {
		t.Errorf("bin/sh -> %q", l)
	}
	s.untouched(t)
}
