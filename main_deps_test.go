package main

import (
	"os/exec"
	"strings"
	"testing"
)

// Every package the runtime's binary links runs its init in every
// container start, twice (the runtime and the container's init). These
// belong to mycontainer-image and mycontainer-net only.
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
	} {
		for _, d := range deps {
			if d == bad {
				t.Errorf("the runtime's binary links %s", bad)
			}
		}
	}
}
