package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every mutation still names its guard exactly once: a change (or a
// merge) that rewrites a guarded line must update mutants.go with it, or
// `make mutants` reports the mutation STALE and the guard goes untested.
// `make unit` runs this, so a stale mutation fails in seconds, not only
// in the full mutation run.
func TestMutationsApply(t *testing.T) {
	seen := map[string]bool{}
	for _, m := range mutations {
		if seen[m.Name] {
			t.Errorf("two mutations are named %q", m.Name)
		}
		seen[m.Name] = true
		b, err := os.ReadFile(filepath.Join("..", "..", m.File))
		if err != nil {
			t.Errorf("%s: %v", m.Name, err)
			continue
		}
		if n := strings.Count(string(b), m.Old); n != 1 {
			t.Errorf("%s: %s holds the guard %d times, want 1", m.Name, m.File, n)
		}
		if m.Old == m.New {
			t.Errorf("%s: New equals Old", m.Name)
		}
	}
}
