package image

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
)

// TermProgress draws one bar per blob, with bytes and rate, redrawn in
// place at most ten times a second: the form for a terminal.
type TermProgress struct {
	W     io.Writer
	mu    sync.Mutex
	bars  []*termBar
	drawn int // lines drawn last time
	last  time.Time
}

type termBar struct {
	p          *TermProgress
	digest     string
	size, n    int64
	start      time.Time
	done, skip bool
	unpacked   int64
}

func (p *TermProgress) Start(digest string, size int64) Bar {
	p.mu.Lock()
	defer p.mu.Unlock()
	b := &termBar{p: p, digest: digest, size: size, start: time.Now()}
	p.bars = append(p.bars, b)
	p.draw(true)
	return b
}

func (p *TermProgress) Skip(digest string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.bars = append(p.bars, &termBar{p: p, digest: digest, skip: true, done: true})
	p.draw(true)
}

func (b *termBar) Write(buf []byte) (int, error) {
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	b.n += int64(len(buf))
	b.p.draw(false)
	return len(buf), nil
}

func (b *termBar) Done(st *UnpackStats) {
	b.p.mu.Lock()
	defer b.p.mu.Unlock()
	b.done, b.unpacked = true, st.Bytes
	b.p.draw(true)
}

// draw moves the cursor up over the last drawing and writes every bar
// again. The caller holds mu.
func (p *TermProgress) draw(force bool) {
	if !force && time.Since(p.last) < 100*time.Millisecond {
		return
	}
	p.last = time.Now()
	var sb strings.Builder
	if p.drawn > 0 {
		fmt.Fprintf(&sb, "\x1b[%dA", p.drawn)
	}
	for _, b := range p.bars {
		sb.WriteString("\r\x1b[2K")
		sb.WriteString(b.line())
		sb.WriteByte('\n')
	}
	p.drawn = len(p.bars)
	io.WriteString(p.W, sb.String())
}

func (b *termBar) line() string {
	switch {
	case b.skip:
		return short(b.digest) + ": already in the store"
	case b.done:
		return fmt.Sprintf("%s: done, %s, %s unpacked", short(b.digest), human(b.n), human(b.unpacked))
	}
	const width = 30
	fill := 0
	if b.size > 0 {
		fill = int(min(b.n*width/b.size, width))
	}
	rate := float64(b.n) / max(time.Since(b.start).Seconds(), 1e-3)
	return fmt.Sprintf("%s: [%s%s] %s/%s %s/s", short(b.digest), strings.Repeat("=", fill),
		strings.Repeat(" ", width-fill), human(b.n), human(b.size), human(int64(rate)))
}
