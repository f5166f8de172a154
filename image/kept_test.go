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
