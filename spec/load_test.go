package spec

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
)

// bundleWith writes config.json with the given content into a new bundle.
func bundleWith(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func loadErr(t *testing.T, bundle string, want ...string) error {
	t.Helper()
	s, err := Load(bundle)
	if err == nil {
		t.Fatalf("Load succeeded: %+v", s)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not mention %q", err, w)
		}
	}
	return err
}

func TestLoadMissing(t *testing.T) {
	loadErr(t, t.TempDir(), "no such file", "config.json")
}

func TestLoadBundleMissing(t *testing.T) {
	loadErr(t, filepath.Join(t.TempDir(), "nope"), "no such file")
}

func TestLoadDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "config.json"), 0o755); err != nil {
		t.Fatal(err)
	}
	loadErr(t, dir, "not a regular file", "directory")
}

// A symlinked config.json could point anywhere on the host.
func TestLoadSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "real.json")
	if err := os.WriteFile(real, []byte(`{"ociVersion":"1.0.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, filepath.Join(dir, "config.json")); err != nil {
		t.Fatal(err)
	}
	loadErr(t, dir, "symlink")
}

// A FIFO must not hang the runtime.
func TestLoadFIFO(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "config.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	loadErr(t, dir, "not a regular file", "FIFO")
}

func TestLoadTooBig(t *testing.T) {
	// Valid JSON, just too long: a config padded with spaces.
	loadErr(t, bundleWith(t, `{"ociVersion":"1.0.0"}`+strings.Repeat(" ", MaxConfigSize)), "more than the limit")
}

func TestLoadAtLimit(t *testing.T) {
	pad := MaxConfigSize - len(`{"ociVersion":"1.0.0"}`)
	if _, err := Load(bundleWith(t, `{"ociVersion":"1.0.0"}`+strings.Repeat(" ", pad))); err != nil {
		t.Fatal(err)
	}
}

func TestLoadBadJSON(t *testing.T) {
	loadErr(t, bundleWith(t, "{\n  \"ociVersion\": \"1.0.0\",\n  \"process\": {,}\n}"), "line 3, column 15", "offset")
	loadErr(t, bundleWith(t, "{\n  \"ociVersion\": \"1.0.0\""), "line 2", "unexpected end")
	loadErr(t, bundleWith(t, ""), "line 1", "unexpected end")
	loadErr(t, bundleWith(t, `{"ociVersion":"1.0.0"} {}`), "line 1, column 24", "after the JSON object")
}

func TestLoadWrongType(t *testing.T) {
	err := loadErr(t, bundleWith(t, "{\"ociVersion\": \"1.0.0\",\n \"process\": {\"user\": {\"uid\": \"root\", \"gid\": 0}}}"),
		"line 2", "process.user.uid")
	expectPath(t, err, "process.user.uid", "JSON string")
}

func TestLoadRequiredIDs(t *testing.T) {
	err := loadErr(t, bundleWith(t, `{"ociVersion":"1.0.0","process":{"user":{"gid":0},"args":["sh"],"cwd":"/"}}`))
	expectPath(t, err, "process.user.uid", "required")
	err = loadErr(t, bundleWith(t, `{"ociVersion":"1.0.0","process":{"args":["sh"],"cwd":"/"}}`))
	expectPath(t, err, "process.user", "required")
	err = loadErr(t, bundleWith(t, `{"ociVersion":"1.0.0","linux":{"devices":[{"path":"/dev/p","type":"p"},{"path":"/dev/x","type":"c","major":1}]}}`))
	expectPath(t, err, "linux.devices[1].minor", "required")
}

// The spec lets runtimes ignore properties they do not know.
func TestLoadUnknownProperties(t *testing.T) {
	s, err := Load(bundleWith(t, `{"ociVersion":"1.0.0","futureField":{"x":1},"linux":{"futureLinux":true}}`))
	if err != nil {
		t.Fatal(err)
	}
	if s.Version != "1.0.0" {
		t.Errorf("version %q", s.Version)
	}
}

func TestLoadDefaultRoundTrip(t *testing.T) {
	for _, rootless := range []bool{false, true} {
		data, err := json.MarshalIndent(Default(rootless), "", "\t")
		if err != nil {
			t.Fatal(err)
		}
		s, err := Load(bundleWith(t, string(data)))
		if err != nil {
			t.Fatal(err)
		}
		if err := Validate(s); err != nil {
			t.Errorf("Default(%v) after a round trip: %v", rootless, err)
		}
	}
}

// Configs shaped like the ones podman 4.3 and containerd 1.6 write (see
// shared/notes/engines.md) must load and validate as they are.
func TestEngineConfigs(t *testing.T) {
	for _, name := range []string{"podman-config.json", "containerd-config.json"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			s, err := Load(bundleWith(t, string(data)))
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(s); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// SeccompJSON gives the section's bytes as written: the filter cache's key.
func TestSeccompJSON(t *testing.T) {
	for cfg, want := range map[string]string{
		`{"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}}`:    `{"defaultAction":"SCMP_ACT_ALLOW"}`,
		`{"linux":{"seccomp":{ "defaultAction" : "SCMP_ACT_ALLOW"}}}`: `{ "defaultAction" : "SCMP_ACT_ALLOW"}`,
		`{"linux":{"seccomp":null}}`:                                  ``,
		`{"linux":{}}`:                                                ``,
		`{}`:                                                          ``,
		`not json`:                                                    ``,
	} {
		if got := string(SeccompJSON([]byte(cfg))); got != want {
			t.Errorf("%s: got %q, want %q", cfg, got, want)
		}
	}
}

// LoadSplit's decode, with the profile decoded after it, gives what the
// plain decode gives, for every seed config (podman's carries docker's
// profile) and for one with a null, an absent and an empty section.
func TestDecodeSplitMatchesDecode(t *testing.T) {
	inputs := map[string][]byte{
		"null":    []byte(`{"ociVersion":"1.0.2","linux":{"seccomp":null}}`),
		"absent":  []byte(`{"ociVersion":"1.0.2","linux":{}}`),
		"empty":   []byte(`{"ociVersion":"1.0.2","linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"}}}`),
		"nolinux": []byte(`{"ociVersion":"1.0.2"}`),
	}
	seeds, _ := filepath.Glob("testdata/*.json")
	for _, p := range seeds {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		inputs[p] = b
	}
	for name, b := range inputs {
		want, werr := decode(b)
		got, sc, gerr := decodeSplit(b, true)
		if (werr == nil) != (gerr == nil) {
			t.Errorf("%s: decode %v, decodeSplit %v", name, werr, gerr)
			continue
		}
		if werr != nil {
			if werr.Error() != gerr.Error() {
				t.Errorf("%s: errors differ:\n%v\n%v", name, werr, gerr)
			}
			continue
		}
		if got.Linux != nil && got.Linux.Seccomp != nil {
			t.Errorf("%s: the split decode decoded the profile", name)
		}
		if sc != nil {
			if got.Linux.Seccomp, gerr = DecodeSeccomp(sc, b); gerr != nil {
				t.Fatalf("%s: %v", name, gerr)
			}
		}
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: the split decode differs from decode", name)
		}
	}
}

// A bad profile fails in DecodeSeccomp with the position in config.json,
// as the whole decode reports it.
func TestDecodeSeccompErrorPosition(t *testing.T) {
	b := []byte("{\"ociVersion\":\"1.0.2\",\n\"linux\":{\"seccomp\":{\"defaultAction\":5}}}")
	_, sc, err := decodeSplit(b, true)
	if err != nil || sc == nil {
		t.Fatalf("split: %v, %q", err, sc)
	}
	_, err = DecodeSeccomp(sc, b)
	if err == nil || !strings.Contains(err.Error(), "line 2") || !strings.Contains(err.Error(), "linux.seccomp.defaultAction") {
		t.Fatalf("error %v, want one at line 2 naming linux.seccomp.defaultAction", err)
	}
}

// The other platforms' sections stay undecoded (decodeSplit keeps them as
// bytes), yet Load must still hand Validate a non-nil section whenever
// config.json holds one, whatever it holds, and nil for null or absent.
func TestLoadOtherPlatformsStillRefused(t *testing.T) {
	base, err := os.ReadFile("testdata/podman-config.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(base, &m); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"solaris", "windows", "vm", "zos"} {
		for _, val := range []string{`{}`, `{"hypervisor":{"path":"/x"},"layerFolders":["a"],"milestone":"x"}`, `5`, `null`} {
			c := maps.Clone(m)
			c[key] = json.RawMessage(val)
			b, _ := json.Marshal(c)
			s, err := Load(bundleWith(t, string(b)))
			if err != nil {
				t.Fatalf("%s=%s: Load: %v", key, val, err)
			}
			err = Validate(s)
			refused := err != nil && strings.Contains(err.Error(), key+": ") && strings.Contains(err.Error(), "not supported")
			if refused != (val != "null") {
				t.Errorf("%s=%s: Validate says %v", key, val, err)
			}
		}
	}
}
