package image

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"strconv"
)

// layerWant is what the manifest and the config promise about a layer.
type layerWant struct {
	Digest string // of the blob as sent (compressed)
	DiffID string // of the uncompressed tar
}

// hasLayer reports whether a layer is in the store, and its size.
func (s *Store) hasLayer(diffID string) (int64, bool) {
	if _, err := os.Lstat(s.LayerDir(diffID)); err != nil {
		return 0, false
	}
	b, _ := os.ReadFile(s.LayerDir(diffID) + ".size")
	n, _ := strconv.ParseInt(string(bytes.TrimSpace(b)), 10, 64)
	return n, true
}

// addLayer unpacks one layer into layers/DIFFID, once. Both digests are
// checked on the bytes as they stream: the blob's against the manifest,
// the tar's against the config's diff_id. The layer is unpacked into
// tmp/ and renamed into place only after both matched: a SIGKILL at any
// moment leaves no layer directory a run could use, only tmp/ debris
// that the next pull removes.
func (s *Store) addLayer(l Layer, want layerWant, p Progress) (int64, error) {
	if err := checkDigest(want.DiffID); err != nil {
		return 0, fmt.Errorf("layer diff_id: %w", err)
	}
	if err := checkDigest(want.Digest); err != nil {
		return 0, fmt.Errorf("layer digest: %w", err)
	}
	if n, ok := s.hasLayer(want.DiffID); ok {
		p.Skip(want.Digest)
		return n, nil
	}
	unlock, err := s.lockFile("layer-" + hexOf(want.DiffID))
	if err != nil {
		return 0, err
	}
	defer unlock()
	if n, ok := s.hasLayer(want.DiffID); ok { // another pull made it meanwhile
		p.Skip(want.Digest)
		return n, nil
	}
	s.sweepTmp()
	tmp, err := os.MkdirTemp(s.path("tmp"), "layer-"+hexOf(want.DiffID)[:12]+"-"+strconv.Itoa(os.Getpid())+"-")
	if err != nil {
		return 0, fmt.Errorf("layer %s: %w", want.Digest, err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	// The layer's root: 0755 unless the tar's "./" entry says otherwise.
	if err := os.Chmod(tmp, 0o755); err != nil {
		return 0, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return 0, fmt.Errorf("layer %s: %w", want.Digest, err)
	}
	defer rc.Close()
	size, _ := l.Size()
	bar := p.Start(want.Digest, size)
	compressed := sha256.New()
	in := bufio.NewReaderSize(io.TeeReader(io.TeeReader(rc, bar), compressed), 1<<20)
	dec, err := s.decompress(in)
	if err != nil {
		return 0, fmt.Errorf("layer %s: %w", want.Digest, err)
	}
	defer dec.Close()
	max := s.MaxLayerSize
	if max <= 0 {
		max = DefaultMaxLayerSize
	}
	uncompressed := sha256.New()
	tr := io.TeeReader(dec, uncompressed)
	stats, err := Unpack(tr, tmp, max)
	if err != nil {
		return 0, fmt.Errorf("layer %s: %w", want.Digest, err)
	}
	// The digests cover every byte, also those after the tar's end.
	if n, err := io.Copy(io.Discard, io.LimitReader(tr, max)); err != nil || n == max {
		return 0, fmt.Errorf("layer %s: after the tar: %d bytes, %v", want.Digest, n, err)
	}
	if _, err := io.Copy(io.Discard, in); err != nil {
		return 0, fmt.Errorf("layer %s: %w", want.Digest, err)
	}
	if got := sum(compressed); got != want.Digest {
		return 0, fmt.Errorf("layer %s: %w: the blob received is %s", want.Digest, ErrDigest, got)
	}
	if got := sum(uncompressed); got != want.DiffID {
		return 0, fmt.Errorf("layer %s: %w: its tar is %s, the config's diff_id %s", want.Digest, ErrDigest, got, want.DiffID)
	}
	bar.Done(stats)
	if err := writeFileAtomic(s.LayerDir(want.DiffID)+".size", s.path("tmp"), []byte(strconv.FormatInt(stats.Bytes, 10))); err != nil {
		return 0, err
	}
	if err := os.Rename(tmp, s.LayerDir(want.DiffID)); err != nil {
		return 0, fmt.Errorf("layer %s: %w", want.Digest, err)
	}
	return stats.Bytes, nil
}

func sum(h hash.Hash) string { return "sha256:" + hex.EncodeToString(h.Sum(nil)) }

// GzipReader and ZstdReader, when set, read gzip and zstd layers.
// mycontainer-image sets both; the runtime's binary, which every
// container's init runs too, carries no decompressor: compress/flate and
// hash/crc32 build tables in their package init, which every container
// start paid twice (runtime and init) for layers only a pull unpacks.
var GzipReader, ZstdReader func(io.Reader) (io.ReadCloser, error)

// decompress picks gzip, zstd or a plain tar by the stream's first bytes,
// in this process: nothing from the image is ever run to unpack it.
func (s *Store) decompress(in *bufio.Reader) (io.ReadCloser, error) {
	magic, _ := in.Peek(4)
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		if GzipReader == nil {
			return nil, fmt.Errorf("a gzip layer: no gzip decoder here")
		}
		z, err := GzipReader(in)
		if err != nil {
			return nil, fmt.Errorf("gzip: %w", err)
		}
		return z, nil
	case bytes.HasPrefix(magic, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		if ZstdReader == nil {
			return nil, fmt.Errorf("a zstd layer: no zstd decoder here")
		}
		return ZstdReader(in)
	}
	return io.NopCloser(in), nil
}
