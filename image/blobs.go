package image

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
)

// checkDigest accepts only a sha256 digest: the store names files by it.
func checkDigest(d string) error {
	h, ok := strings.CutPrefix(d, "sha256:")
	if !ok || len(h) != 64 || !isHex(h) {
		return fmt.Errorf("digest %q: want sha256: and 64 lower-case hex digits", d)
	}
	return nil
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// ErrDigest is wrapped by every digest mismatch.
var ErrDigest = errors.New("digest mismatch")

// putBlob stores b under its digest, after checking that it is that
// digest. It is written to tmp/ and renamed: a name under blobs/ always
// holds the bytes it names.
func (s *Store) putBlob(digest string, b []byte) error {
	if err := checkDigest(digest); err != nil {
		return err
	}
	if got := digestOf(b); got != digest {
		return fmt.Errorf("blob %s: %w (the content is %s)", digest, ErrDigest, got)
	}
	p := s.path("blobs", "sha256", hexOf(digest))
	if _, err := os.Stat(p); err == nil {
		return nil
	}
	return writeFileAtomic(p, s.path("tmp"), b)
}

// readBlob reads a stored blob and checks it again: a file changed on
// disk is an error, never trusted.
func (s *Store) readBlob(digest string) ([]byte, error) {
	if err := checkDigest(digest); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(s.path("blobs", "sha256", hexOf(digest)))
	if err != nil {
		return nil, fmt.Errorf("blob %s: %w", digest, err)
	}
	if got := digestOf(b); got != digest {
		return nil, fmt.Errorf("blob %s in %s: %w (the file now holds %s)", digest, s.Root, ErrDigest, got)
	}
	return b, nil
}
