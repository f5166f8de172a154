package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// friendlyRoot is a rootfs with an executable /bin/sh, enough for Spec.
func friendlyRoot(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "bin/sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// The friendly flags become a config that passes the bundle's Validate.
func TestFriendlySpecPassesValidate(t *testing.T) {
	f := &Friendly{Rootfs: friendlyRoot(t), Hostname: "box", Command: []string{"sh"}, Net: "none",
		Env: []string{"A=1"}, Volumes: []string{t.TempDir() + ":/data:ro"}, Workdir: "/srv",
		Memory: "64m", CPUs: "0.5", PidsLimit: "20", BlkioWeight: "100", CpusetCpus: "0"}
	s, hostRoot, err := f.Spec()
	if err != nil {
		t.Fatal(err)
	}
	if hostRoot {
		t.Error("a rootfs directory reported as the host's root")
	}
	if err := Validate(s); err != nil {
		t.Fatalf("the friendly config fails Validate: %v", err)
	}
	r := s.Linux.Resources
	if r == nil || *r.Memory.Limit != 64<<20 || *r.CPU.Quota != 50000 || r.Pids.Limit != 20 || *r.BlockIO.Weight != 100 {
		t.Errorf("resources: %+v", r)
	}
	last := s.Mounts[len(s.Mounts)-1]
	if last.Destination != "/data" || !strings.Contains(strings.Join(last.Options, ","), "ro") {
		t.Errorf("the volume is not the last mount: %+v", last)
	}
}

// A bad -v destination is refused by Validate with the JSON path a
// bundle's mount would get, and the flag named.
func TestFriendlyBadVolumeDestinationIsAValidateError(t *testing.T) {
	f := &Friendly{Rootfs: friendlyRoot(t), Hostname: "box", Command: []string{"sh"},
		Volumes: []string{t.TempDir() + ":relative/dst"}}
	s, _, err := f.Spec()
	if err != nil {
		t.Fatalf("Spec refused what Validate should judge: %v", err)
	}
	verr := Validate(s)
	if verr == nil {
		t.Fatal("a relative volume destination passed Validate")
	}
	bundle := Default(false)
	bundle.Root.Path = "rootfs"
	bundle.Mounts = s.Mounts
	berr := Validate(bundle)
	if berr == nil || !strings.Contains(berr.Error(), verr.Error()[strings.Index(verr.Error(), "mounts["):]) {
		t.Errorf("friendly error %q is not the bundle's %q", verr, berr)
	}
	if msg := FriendlyError(verr).Error(); !strings.Contains(msg, "mounts[") || !strings.Contains(msg, "(from -v)") {
		t.Errorf("FriendlyError: %q", msg)
	}
}
