package cgroups

import (
	"path/filepath"
	"strings"
	"testing"
)

// A file setting is written to the first candidate that exists; a
// missing controller or file is refused naming the field.
func TestFileWrites(t *testing.T) {
	k := newFakeKernel(t)
	k.file("blkio/c/blkio.bfq.weight_device", "")
	dirOf := func(ctrl string) string {
		if ctrl == "blkio" {
			return filepath.Join(k.root, "blkio/c")
		}
		return ""
	}
	ws, err := fileWrites(k, []FileSetting{{Field: "f.weightDevice[0]", Controller: "blkio",
		Files: []string{"blkio.weight_device", "blkio.bfq.weight_device"}, Value: "8:0 100"}}, dirOf)
	if err != nil || len(ws) != 1 || !strings.HasSuffix(ws[0].Path, "blkio.bfq.weight_device") || ws[0].Value != "8:0 100" {
		t.Fatalf("writes %+v, %v", ws, err)
	}
	_, err = fileWrites(k, []FileSetting{{Field: "f.network.classID", Controller: "net_cls", Files: []string{"net_cls.classid"}}}, dirOf)
	if err == nil || !strings.Contains(err.Error(), "f.network.classID: the net_cls controller is not mounted") {
		t.Errorf("missing controller: %v", err)
	}
	_, err = fileWrites(k, []FileSetting{{Field: "f.leafWeight", Controller: "blkio", Files: []string{"blkio.leaf_weight"}}}, dirOf)
	if err == nil || !strings.Contains(err.Error(), "f.leafWeight: this kernel has no") {
		t.Errorf("missing file: %v", err)
	}
}

func TestResourcesIsZero(t *testing.T) {
	if !(&Resources{}).IsZero() {
		t.Error("empty resources are not zero")
	}
	if (&Resources{Files: []FileSetting{{}}}).IsZero() || (&Resources{PidsLimit: 1}).IsZero() {
		t.Error("set resources count as zero")
	}
}
