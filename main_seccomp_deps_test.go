package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// libseccomp's Go package init probes the kernel (seccomp(2) calls) and
// touches the library's pages in every process that links it: the
// runtime's binary runs twice per container start (the runtime and the
// container's init). Compiling is mycontainer-seccomp's (seccomp/helper.go).
func TestBinaryLeavesOutLibseccomp(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-tags", "netgo,osusergo", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, bad := range []string{"github.com/seccomp/libseccomp-golang", "mycontainer/seccomp/compile"} {
		if slices.Contains(deps, bad) {
			t.Errorf("the runtime's binary links %s", bad)
		}
	}
	if !slices.Contains(deps, "mycontainer/seccomp") {
		t.Error("the runtime's binary does not link mycontainer/seccomp: the check above proves nothing")
	}
}

// Only --version runs the helper (for libseccomp's version): a command
// line kong parses must not, or every such command pays its exec (a
// kong.Vars entry made the text for each parse: +18 ms per `list`).
func TestParseRunsNoHelper(t *testing.T) {
	dir := t.TempDir()
	mark := filepath.Join(dir, "ran")
	helper := filepath.Join(dir, "mycontainer-seccomp")
	if err := os.WriteFile(helper, []byte("#!/bin/sh\necho x > "+mark+"\necho 9.9.9\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("MYCONTAINER_SECCOMP_HELPER", helper)
	var c cli
	if _, _, err := c.parse("mycontainer", []string{"--root", dir, "list"}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(mark); err == nil {
		t.Error("parsing `list` ran the seccomp helper")
	}
	if got := versionText("mycontainer"); !strings.Contains(got, "\nlibseccomp: 9.9.9") {
		t.Errorf("the version text does not carry the helper's answer:\n%s", got)
	}
	t.Setenv("MYCONTAINER_SECCOMP_HELPER", filepath.Join(dir, "none"))
	if got := versionText("mycontainer"); !strings.Contains(got, "\nlibseccomp: unknown (") {
		t.Errorf("without the helper: %s", got)
	}
}
