package seccomp

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// DefaultCacheDir keeps compiled profiles. libseccomp (in the helper,
// helper.go) takes ~20 ms to compile docker's default profile (three
// architectures, ~350 syscalls: more than the whole start of a container,
// and the helper's exec on top), and every docker-style
// container and every podman config sends the same one; reading the
// program back takes a few microseconds.
const DefaultCacheDir = "/var/cache/mycontainer/seccomp"

// cacheMagic starts every cached file; bump it when the file's format
// changes. What Compile makes of a profile is covered by the key, which
// holds the running build's ID (buildid.go), and the file the helper's
// (helper.go), which covers the libseccomp linked into it.
var cacheMagic = []byte("mycontainer-seccomp-5\n")

// CompileCached is Compile, through the cache in dir. The key is the
// profile's JSON (raw: the bytes s was decoded from, when the caller has
// them; else s encoded again), the runtime's build ID and the
// architecture, in a directory of the boot (cachePath). The file also
// holds the program's sha256, checked on every read, so a torn or damaged
// file is compiled again rather than loaded, and the hash of the build ID
// of the helper that compiled it: a program made by another helper (one
// rebuilt with another compiler or libseccomp) is compiled again. That ID
// is read from the helper's file, which a hit does not run; with no helper
// there, a hit still loads (it was compiled by a helper for this build of
// the runtime, in this boot), and only a miss fails.
// The cache is an optimisation: if dir cannot be used, the profile is just
// compiled.
func CompileCached(s *specs.LinuxSeccomp, raw []byte, dir string) ([]byte, uint, error) {
	if s == nil {
		return nil, 0, nil
	}
	kind, b := "raw", raw
	if b == nil {
		var err error
		if b, err = json.Marshal(s); err != nil {
			return Compile(s)
		}
		kind = "encoded"
	}
	return compileCached(s, kind, b, dir)
}

// CompileCachedNamed is CompileCached for a profile built in memory
// whose content name determines (docker's default profile for a set of
// capabilities and a kernel: spec.Friendly.DefaultSeccompKey): the key is
// the name, so a hit needs neither the profile nor its encoding.
func CompileCachedNamed(s *specs.LinuxSeccomp, name, dir string) ([]byte, uint, error) {
	if s == nil {
		return nil, 0, nil
	}
	return compileCached(s, "named", []byte(name), dir)
}

// LookupNamed finds the program CompileCachedNamed stored under name.
func LookupNamed(name, dir string) ([]byte, uint, bool) {
	path, ok := cachePath(dir, "named", []byte(name))
	if !ok {
		return nil, 0, false
	}
	return readCached(path)
}

func compileCached(s *specs.LinuxSeccomp, kind string, b []byte, dir string) ([]byte, uint, error) {
	path, ok := cachePath(dir, kind, b)
	if !ok {
		return Compile(s) // nothing proves an old file fits this build and boot
	}
	if prog, flags, ok := readCached(path); ok {
		return prog, flags, nil
	}
	prog, flags, err := Compile(s)
	if err != nil {
		return nil, 0, err
	}
	pruneOtherBoots(dir)
	_ = writeCached(filepath.Dir(path), path, prog, flags) // a cache that cannot be written only costs time
	return prog, flags, nil
}

// cachePath is where the program for (kind, b) lives: in a directory of
// this boot, because what a program holds depends on the ABIs the kernel
// was booted with (abi.go), under a name that holds this build's ID. ok
// is false when either cannot be known: then nothing may be cached.
func cachePath(dir, kind string, b []byte) (string, bool) {
	id, err := selfBuildID()
	if err != nil {
		return "", false
	}
	boot, err := bootID()
	if err != nil {
		return "", false
	}
	return filepath.Join(dir, boot, cacheKey(kind, b, id)), true
}

var bootIDOnce = sync.OnceValues(func() (string, error) {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	id := strings.TrimSpace(string(b))
	if err == nil && !isBootID(id) {
		err = fmt.Errorf("unexpected boot_id %q", id)
	}
	return id, err
})

// bootID is the kernel's random ID of this boot (a UUID); a var so a
// unit test can play a reboot.
var bootID = bootIDOnce

// isBootID is true for the UUID form the kernel writes (36 characters of
// hex and dashes): a name that can only be a boot's directory.
func isBootID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f'):
			return false
		}
	}
	return true
}

// pruneOtherBoots removes the programs of earlier boots, which can never
// be read again, so the cache holds one boot's worth. It runs only when a
// program is compiled (a miss), and a failure only leaves files behind.
func pruneOtherBoots(dir string) {
	boot, err := bootID()
	if err != nil {
		return
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		switch {
		case e.IsDir() && e.Name() != boot && isBootID(e.Name()):
			_ = os.RemoveAll(filepath.Join(dir, e.Name()))
		case e.Type().IsRegular() && strings.HasSuffix(e.Name(), ".bpf"):
			// Builds before the per-boot directories kept their files here.
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// cacheKey names the file. The kind (raw bytes of config.json, an
// encoding of a decoded profile, a name) is hashed with the bytes, so a
// key of one kind can never be taken for another's that has the same
// bytes.
func cacheKey(kind string, b, buildID []byte) string {
	h := sha256.New()
	h.Write(cacheMagic)
	fmt.Fprintf(h, "build %x\n", buildID)
	fmt.Fprintf(h, "%s %s\n", runtime.GOARCH, kind)
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil)) + ".bpf"
}

// helperIDSum is the hash of the helper's build ID, or zeros when no
// helper can be read.
func helperIDSum() [sha256.Size]byte {
	id := helperBuildID()
	if id == nil {
		return [sha256.Size]byte{}
	}
	return sha256.Sum256(id)
}

func readCached(path string) ([]byte, uint, bool) {
	b, err := os.ReadFile(path)
	hdr := len(cacheMagic) + 4 + 2*sha256.Size
	if err != nil || len(b) < hdr || !bytes.HasPrefix(b, cacheMagic) {
		return nil, 0, false
	}
	flags := uint(binary.LittleEndian.Uint32(b[len(cacheMagic):]))
	by := b[len(cacheMagic)+4 : len(cacheMagic)+4+sha256.Size]
	sum := b[len(cacheMagic)+4+sha256.Size : hdr]
	prog := b[hdr:]
	if id := helperIDSum(); id != ([sha256.Size]byte{}) && !bytes.Equal(by, id[:]) {
		return nil, 0, false // made by another helper than the one beside us
	}
	if got := sha256.Sum256(prog); !bytes.Equal(got[:], sum) || len(prog) == 0 || len(prog)%sizeofSockFilter != 0 {
		return nil, 0, false
	}
	return prog, flags, true
}

// writeCached writes the file whole under a temporary name and renames it
// into place: a reader sees the old file, the new one, or none.
func writeCached(dir, path string, prog []byte, flags uint) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	sum := sha256.Sum256(prog)
	var b bytes.Buffer
	b.Write(cacheMagic)
	_ = binary.Write(&b, binary.LittleEndian, uint32(flags))
	id := helperIDSum()
	b.Write(id[:])
	b.Write(sum[:])
	b.Write(prog)
	tmp := path + "." + strconv.Itoa(os.Getpid()) + ".tmp"
	fd, err := unix.Open(tmp, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return err
	}
	_, err = unix.Write(fd, b.Bytes())
	if cerr := unix.Close(fd); err == nil {
		err = cerr
	}
	if err == nil {
		err = unix.Rename(tmp, path)
	}
	if err != nil {
		_ = unix.Unlink(tmp)
	}
	return err
}

// Lookup finds the program compiled for a profile from its bytes as
// config.json wrote them, without decoding them, and only for a profile
// whose decoded form nothing else needs: one that may use SCMP_ACT_NOTIFY
// (its listener path and metadata go to the agent) is never looked up.
// A hit proves that this build validated and compiled exactly these bytes
// before (a file is written only after Compile succeeded, which runs only
// on a validated spec), so the caller may skip decoding them.
func Lookup(raw []byte, dir string) ([]byte, uint, bool) {
	if raw == nil || mayNotify(raw) {
		return nil, 0, false
	}
	path, ok := cachePath(dir, "raw", raw)
	if !ok {
		return nil, 0, false
	}
	return readCached(path)
}

// mayNotify is true unless the bytes surely hold no notify action and no
// listener: encoding/json matches keys without regard to case and reads
// \u escapes in strings, so any backslash, or "notify" or "listener" in
// any case, counts as a maybe.
func mayNotify(raw []byte) bool {
	if bytes.IndexByte(raw, '\\') >= 0 {
		return true
	}
	low := bytes.ToLower(raw)
	return bytes.Contains(low, []byte("notify")) || bytes.Contains(low, []byte("listener"))
}
