package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
