package image

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultRoot is where images live unless $MYCONTAINER_STORAGE or
// --storage says otherwise.
const DefaultRoot = "/var/lib/mycontainer"

// StorageEnv names the environment variable that moves the store.
const StorageEnv = "MYCONTAINER_STORAGE"

// Store is an image store on disk.
type Store struct {
	Root string
	// MaxLayerSize caps the bytes one layer may unpack to (a tar bomb
	// guard); 0 means DefaultMaxLayerSize.
	MaxLayerSize int64
}

// Image is one entry of images.json.
type Image struct {
	ID       string    `json:"id"`       // the config's digest (docker's image ID)
	Manifest string    `json:"manifest"` // the manifest's digest
	Names    []string  `json:"names"`    // normalised references
	Layers   []string  `json:"layers"`   // diff_ids, bottom first
	Size     int64     `json:"size"`     // unpacked bytes of every layer
	Created  time.Time `json:"created"`  // when it entered the store
}

type index struct {
	Images []*Image `json:"images"`
}

// RootFromEnv picks the store's directory: the flag, then the environment,
// then the default.
func RootFromEnv(flag string) string {
	if flag != "" {
		return flag
	}
	if env := os.Getenv(StorageEnv); env != "" {
		return env
	}
	return DefaultRoot
}

// Open makes the store's directories if missing.
func Open(root string) (*Store, error) {
	abs, err := filepath.Abs(root)
	if err != nil {
		return nil, fmt.Errorf("storage %s: %w", root, err)
	}
	for _, d := range []string{"", "blobs/sha256", "layers", "containers", "tmp"} {
		if err := os.MkdirAll(filepath.Join(abs, d), 0o700); err != nil {
			return nil, fmt.Errorf("storage %s: %w", abs, err)
		}
	}
	// Only root may enter: layers hold setuid files and devices of images,
	// which no other host user may reach.
	if err := os.Chmod(abs, 0o700); err != nil {
		return nil, fmt.Errorf("storage %s: %w", abs, err)
	}
	return &Store{Root: abs}, nil
}

func (s *Store) path(elem ...string) string {
	return filepath.Join(append([]string{s.Root}, elem...)...)
}

// LayerDir is the directory a layer is unpacked in.
func (s *Store) LayerDir(diffID string) string {
	return s.path("layers", hexOf(diffID))
}

// lock takes the store's lock file, exclusive or shared, and returns
// its release. The kernel drops it when the process dies.
func (s *Store) lock(exclusive bool) (func(), error) {
	return s.lockAt("lock", exclusive)
}

// gcLock is held shared by every pull and import from its first layer to
// its entry in images.json, and exclusive by rmi and prune before the
// store's lock (always in this order): a layer just unpacked, which no
// image names yet, is never collected under a pull.
func (s *Store) gcLock(exclusive bool) (func(), error) {
	return s.lockAt("gc.lock", exclusive)
}

func (s *Store) lockAt(name string, exclusive bool) (func(), error) {
	fd, err := unix.Open(s.path(name), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("storage lock: %w", err)
	}
	how := unix.LOCK_SH
	if exclusive {
		how = unix.LOCK_EX
	}
	if err := unix.Flock(fd, how); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("storage lock: %w", err)
	}
	return func() { unix.Close(fd) }, nil
}

// lockFile takes an exclusive lock on tmp/NAME.lock (one layer or blob
// being written), so two pulls of the same layer write it once.
func (s *Store) lockFile(name string) (func(), error) {
	p := s.path("tmp", name+".lock")
	fd, err := unix.Open(p, unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	if err := unix.Flock(fd, unix.LOCK_EX); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock %s: %w", p, err)
	}
	return func() { unix.Close(fd) }, nil
}

func (s *Store) load() (*index, error) {
	b, err := os.ReadFile(s.path("images.json"))
	if errors.Is(err, os.ErrNotExist) {
		return &index{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read images.json: %w", err)
	}
	var ix index
	if err := json.Unmarshal(b, &ix); err != nil {
		return nil, fmt.Errorf("images.json in %s: %w", s.Root, err)
	}
	return &ix, nil
}

// save writes images.json whole and renames it into place: a reader sees
// the old index or the new one, never a part.
func (s *Store) save(ix *index) error {
	b, err := json.MarshalIndent(ix, "", "\t")
	if err != nil {
		return err
	}
	if err := writeFileAtomic(s.path("images.json"), s.path("tmp"), b); err != nil {
		return err
	}
	// images.idx is a cache of images.json (see runindex.go): without a
	// current one, run reads images.json, only slower.
	if err := s.saveRunIndex(ix, b); err != nil {
		os.Remove(s.path("images.idx"))
		fmt.Fprintf(os.Stderr, "mycontainer: warning: write images.idx (run --image falls back to images.json): %v\n", err)
	}
	return nil
}

// Images lists the store's images, newest first.
func (s *Store) Images() ([]*Image, error) {
	unlock, err := s.lock(false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	ix, err := s.load()
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(ix.Images, func(a, b *Image) int { return b.Created.Compare(a.Created) })
	return ix.Images, nil
}

// ErrNotFound is returned for a reference no image in the store has.
var ErrNotFound = errors.New("no such image in the store")

// Lookup finds an image by name (as pull and import normalise it), by its
// ID or manifest digest, or by an ID prefix of at least 4 hex digits.
func (s *Store) Lookup(ref string) (*Image, error) {
	ims, err := s.Images()
	if err != nil {
		return nil, err
	}
	return find(ims, ref)
}

func find(ims []*Image, ref string) (*Image, error) {
	name := NormalizeName(ref)
	for _, im := range ims {
		if slices.Contains(im.Names, name) || im.ID == ref || im.Manifest == ref {
			return im, nil
		}
	}
	p := strings.TrimPrefix(ref, "sha256:")
	if len(p) >= 4 && isHex(p) {
		var hit *Image
		for _, im := range ims {
			if strings.HasPrefix(hexOf(im.ID), p) {
				if hit != nil && hit != im {
					return nil, fmt.Errorf("image %s: the prefix names more than one image", ref)
				}
				hit = im
			}
		}
		if hit != nil {
			return hit, nil
		}
	}
	return nil, fmt.Errorf("image %s: %w (pull or import it first)", ref, ErrNotFound)
}

func isHex(s string) bool {
	for _, c := range s {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}

// hexOf is a sha256 digest's hex part.
func hexOf(digest string) string { return strings.TrimPrefix(digest, "sha256:") }

// writeFileAtomic writes b to a temporary file in tmpDir, syncs it and
// renames it to path.
func writeFileAtomic(path, tmpDir string, b []byte) error {
	f, err := os.CreateTemp(tmpDir, "write-"+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(b); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// TmpDir is where work in progress goes (names carrying the writer's PID).
func (s *Store) TmpDir() string { return s.path("tmp") }
