package main

import (
	"strings"
	"testing"
)

func TestVerbOf(t *testing.T) {
	for args, want := range map[string]string{
		"run --rootfs r sh":                    "run",
		"--root /x --log-format json state id": "state",
		"--debug --log /l kill id":             "kill",
		"--version":                            "",
	} {
		if got := verbOf(strings.Fields(args)); got != want {
			t.Errorf("verbOf(%s) = %q, want %q", args, got, want)
		}
	}
}

// Only a --bundle among run's leading flags picks the lean OCI command;
// anything else falls back to run's full flag set, which parses both.
func TestBundleForm(t *testing.T) {
	for args, want := range map[string]bool{
		"run --bundle /b id":              true,
		"--root /r run -d --bundle=/b id": true,
		"run -b /b id":                    true,
		"run --detach -b=/b id":           true,
		"run --rootfs r sh -c x":          false,
		"run sh --bundle":                 false, // the command's own argument
		"run -- --bundle":                 false,
		"create --bundle /b id":           false,
		"run --pid-file f --bundle /b id": false, // missed: the full set parses it
		"--root --bundle run /x":          false,
	} {
		if got := bundleForm(strings.Fields(args)); got != want {
			t.Errorf("bundleForm(%s) = %v, want %v", args, got, want)
		}
	}
}
