package image

import "testing"

// A container name becomes a directory under kept/: nothing that walks
// out of it, nothing empty, as docker's rule.
func TestValidName(t *testing.T) {
	for n, ok := range map[string]bool{
		"web": true, "a": true, "Web_1.x-y": true, "0abc": true,
		"": false, ".": false, "..": false, "-x": false, "_x": false, ".x": false,
		"a/b": false, "../x": false, "a b": false, "a\nb": false, "é": false,
		string(make([]byte, 129)): false,
	} {
		if err := ValidName(n); (err == nil) != ok {
			t.Errorf("ValidName(%q) = %v, want ok %v", n, err, ok)
		}
	}
}

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
