package spec

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// FuzzLoadValidate feeds arbitrary bytes to what Load does with
// config.json once it has read it (decode), then hands whatever decodes to
// Validate. The bundle is the engine's or the user's input: neither step
// may panic, and every error must render (the CLI prints it).
//
// decode is called directly rather than through a temporary bundle: Load
// adds only the file checks (symlink, FIFO, size), which load_test.go
// covers, and a file per input would cut the executions per second by an
// order of magnitude.
func FuzzLoadValidate(f *testing.F) {
	for _, rootless := range []bool{false, true} {
		b, err := json.Marshal(Default(rootless))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"ociVersion":"1.0.2","process":{"user":{"uid":0}},"linux":{"devices":[{"type":"c"}]}}`))
	f.Add([]byte(`{"ociVersion":"1.0.2"} {}`))
	f.Add([]byte("{\n\"root\": 1}"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := decode(b)
		if err != nil {
			if s != nil {
				t.Fatalf("got a config with the error %v", err)
			}
			_ = err.Error()
			return
		}
		if err := Validate(s); err != nil {
			_ = err.Error()
			return
		}
		// Validate judges what a config says, not how its JSON spells
		// it: the same config written back out by encoding/json must
		// pass too, or decode and Validate disagree about some field.
		again, err := json.Marshal(s)
		if err != nil {
			t.Fatalf("marshal an accepted config: %v", err)
		}
		s2, err := decode(again)
		if err != nil {
			t.Fatalf("an accepted config does not decode again: %v\n%s", err, again)
		}
		if err := Validate(s2); err != nil {
			t.Fatalf("an accepted config is refused after a JSON round trip: %v\n%s", err, again)
		}
	})
}
