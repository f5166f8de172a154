package main

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// Every package the runtime's binary links runs its init in every
// container start, twice (the runtime and the container's init). These
// belong to the helpers only: mycontainer-image, mycontainer-net and
// mycontainer-seccomp (libseccomp's Go package init probes the kernel
// with seccomp(2) calls and touches the library's pages; compiling is
// seccomp/helper.go's).
func TestBinaryLeavesOutHelpersPackages(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH")
	}
	out, err := exec.Command(goTool, "list", "-deps", "-tags", "netgo,osusergo", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, bad := range []string{
		"compress/flate", "compress/gzip", "hash/crc32", // gzip layers: image.GzipReader
		"github.com/klauspost/compress/zstd",            // zstd layers: image.ZstdReader
		"github.com/google/go-containerregistry/pkg/v1", // pull and import
		"net/http",
		"github.com/vishvananda/netlink", "github.com/google/nftables", // mycontainer-net
		"github.com/seccomp/libseccomp-golang", "mycontainer/seccomp/compile", // mycontainer-seccomp
	} {
		if slices.Contains(deps, bad) {
			t.Errorf("the runtime's binary links %s", bad)
		}
	}
	if !slices.Contains(deps, "mycontainer/seccomp") {
		t.Error("the runtime's binary does not link mycontainer/seccomp: the check above proves nothing")
	}
}
