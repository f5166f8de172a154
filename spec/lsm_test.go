package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The refusal says which of the two it is: the host cannot confine
// (no LSM), or it could and mycontainer does not.
func TestLSMRefusalSaysWhy(t *testing.T) {
	dir := t.TempDir()
	present := filepath.Join(dir, "present")
	if err := os.WriteFile(present, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	oldA, oldS := apparmorPath, selinuxPath
	defer func() { apparmorPath, selinuxPath = oldA, oldS }()

	apparmorPath, selinuxPath = filepath.Join(dir, "missing"), filepath.Join(dir, "missing")
	if err := CheckAppArmor(""); err != nil {
		t.Errorf("no profile: %v", err)
	}
	if err := CheckAppArmor("p"); err == nil || !strings.Contains(err.Error(), "this host has no AppArmor enabled") {
		t.Errorf("AppArmor missing: %v", err)
	}
	if err := CheckSELinux("l"); err == nil || !strings.Contains(err.Error(), "this host has no SELinux enabled") {
		t.Errorf("SELinux missing: %v", err)
	}
	apparmorPath, selinuxPath = present, present
	if err := CheckAppArmor("p"); err == nil || !strings.Contains(err.Error(), "does not apply") {
		t.Errorf("AppArmor present: %v", err)
	}
	if err := CheckSELinux("l"); err == nil || !strings.Contains(err.Error(), "does not apply") {
		t.Errorf("SELinux present: %v", err)
	}
}
