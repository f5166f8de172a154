package main

import (
	"os/exec"
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
