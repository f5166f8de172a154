package image

import "testing"

// A kernel release read as major.minor: 6.8 is the first with
// overlayfs's lowerdir+.
func TestAtLeast(t *testing.T) {
	for rel, want := range map[string]bool{
		"6.1.0-57-cloud-amd64": false, "6.7.12": false, "6.8.0": true, "6.18.44-fc-v782": true,
		"5.19.0": false, "7.0": true, "odd": true,
	} {
		if got := atLeast(rel, 6, 8); got != want {
			t.Errorf("atLeast(%q, 6, 8) = %v, want %v", rel, got, want)
		}
	}
}
