package image

import (
	"fmt"
	"io"
	"sync"
	"time"
)

// Progress follows the blobs of a pull or an import.
type Progress interface {
	Start(digest string, size int64) Bar
	Skip(digest string) // already in the store
}

// Bar follows one blob: it is written every byte received.
type Bar interface {
	io.Writer
	Done(*UnpackStats)
}

// LineProgress prints one line per blob when it is done: the form for a
// stderr that is not a terminal.
type LineProgress struct {
	W  io.Writer
	mu sync.Mutex
}

func (p *LineProgress) Start(digest string, size int64) Bar {
	return &lineBar{p: p, digest: digest, start: time.Now()}
}

func (p *LineProgress) Skip(digest string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintf(p.W, "%s: already in the store\n", short(digest))
}

type lineBar struct {
	p      *LineProgress
	digest string
	n      int64
	start  time.Time
}

func (b *lineBar) Write(p []byte) (int, error) { b.n += int64(len(p)); return len(p), nil }

func (b *lineBar) Done(st *UnpackStats) {
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	d := time.Since(b.start)
	fmt.Fprintf(b.p.W, "%s: %s in %.2fs (%s/s), %d entries, %s unpacked\n", short(b.digest),
		human(b.n), d.Seconds(), human(int64(float64(b.n)/max(d.Seconds(), 1e-3))), st.Entries, human(st.Bytes))
	for _, d := range st.Dropped {
		fmt.Fprintf(b.p.W, "%s: device node %s dropped (the container has its own /dev)\n", short(b.digest), d)
	}
}

// NoProgress says nothing.
type NoProgress struct{}

func (NoProgress) Start(string, int64) Bar { return nopBar{} }
func (NoProgress) Skip(string)             {}

type nopBar struct{}

func (nopBar) Write(p []byte) (int, error) { return len(p), nil }
func (nopBar) Done(*UnpackStats)           {}

func short(digest string) string {
	h := hexOf(digest)
	if len(h) > 12 {
		h = h[:12]
	}
	return h
}

func human(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1fGB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1fMB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1fkB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%dB", n)
}

// Human is human() for the CLI's table.
func Human(n int64) string { return human(n) }
