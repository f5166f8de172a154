package tests

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// A container allowed to mknod still cannot open a device its rules deny
// (here: everything, as containerd sends), on v1 through the devices
// cgroup and on v2 through the eBPF device filter; the nodes every
// container has stay usable.
func TestOCIDeviceRulesDenyHostDisks(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "dev", []string{"sh", "-c",
		"mknod /dev/disk b 8 0 && echo made; head -c 1 /dev/disk; echo hi > /dev/null && echo null-ok; head -c 4 /dev/zero | wc -c"},
		func(s *specs.Spec) {
			c := s.Process.Capabilities
			c.Bounding = append(c.Bounding, "CAP_MKNOD")
			c.Effective = append(c.Effective, "CAP_MKNOD")
			c.Permitted = append(c.Permitted, "CAP_MKNOD")
			s.Linux.Resources = &specs.LinuxResources{Devices: []specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}}
		})
	r := e.oci(t, "run", "--bundle", b, "dev")
	out := r.stdout + r.stderr
	if !strings.Contains(out, "made") {
		t.Fatalf("mknod failed, so the test proves nothing: %q", out)
	}
	if !strings.Contains(out, "Operation not permitted") {
		t.Errorf("the container could open a block device its rules deny: %q", out)
	}
	if !strings.Contains(out, "null-ok") || !strings.Contains(r.stdout, "4\n") {
		t.Errorf("the default nodes are not usable: %q", out)
	}
}
