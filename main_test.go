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

// Any of run's OCI-only flags among its leading flags picks the lean OCI
// command; anything else falls back to run's full flag set, which parses
// both forms (and ociFlagged decides the same way).
func TestOCIRunForm(t *testing.T) {
	for args, want := range map[string]bool{
		"run --bundle /b id":              true,
		"--root /r run -d --bundle=/b id": true,
		"run -b /b id":                    true,
		"run --detach -b=/b id":           true,
		"run -d id":                       true,
		"run --keep id":                   true,
		"run --keep -b /b id":             true,
		"run --keep --image x sh":         false, // keeps the image container: the full set decides
		"run --keep --rootfs r --overlay": false,
		"run --console-socket /s id":      true,
		"run --pid-file f --bundle /b id": true,
		"run --preserve-fds=2 id":         true,
		"run --no-pivot id":               true,
		"run -dt id":                      true,
		"run --rootfs r sh -c x":          false,
		"run id":                          false,
		"run sh --bundle":                 false, // the command's own argument
		"run sh -d":                       false,
		"run -- --bundle":                 false,
		"run -e A=1 -d id":                false, // missed: the full set parses it
		"create --bundle /b id":           false,
		"--root --bundle run /x":          false,
	} {
		if got := ociRunForm(strings.Fields(args)); got != want {
			t.Errorf("ociRunForm(%s) = %v, want %v", args, got, want)
		}
	}
}

func TestWantsVersion(t *testing.T) {
	for args, want := range map[string]bool{
		"-v": true, "--version": true, "--root /r -v": true,
		"run -v /a:/b sh": false, "run --rootfs r -- sh -v": false, "state id": false,
	} {
		if got := wantsVersion(strings.Fields(args)); got != want {
			t.Errorf("wantsVersion(%s) = %v, want %v", args, got, want)
		}
	}
}

func TestPsOptionsApart(t *testing.T) {
	for args, want := range map[string]string{
		"ps id":                            "ps id",
		"ps id -o pid,comm":                "ps id -- -o pid,comm",
		"--root /r ps -f json id":          "--root /r ps -f json id",
		"ps --format table id aux":         "ps --format table id -- aux",
		"ps id -- -ef":                     "ps id -- -ef",
		"--root /r ps --format=json id -e": "--root /r ps --format=json id -- -e",
	} {
		if got := strings.Join(psOptionsApart(strings.Fields(args)), " "); got != want {
			t.Errorf("psOptionsApart(%s) = %q, want %q", args, got, want)
		}
	}
}

// Installed as runc, the state lives where runc keeps it.
func TestStateRoot(t *testing.T) {
	if got := stateRoot("runc"); got != "/run/runc" {
		t.Errorf("as runc: %q", got)
	}
	if got := stateRoot("mycontainer"); got != "/run/mycontainer" {
		t.Errorf("as mycontainer: %q", got)
	}
}
