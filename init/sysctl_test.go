package containerinit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSysctlPath(t *testing.T) {
	for key, want := range map[string]string{
		"kernel.shmmax":                     "kernel/shmmax",
		"net.ipv4.ip_forward":               "net/ipv4/ip_forward",
		"net/ipv4/conf/eth0.100/forwarding": "net/ipv4/conf/eth0.100/forwarding",
	} {
		if got, err := sysctlPath(key); err != nil || got != want {
			t.Errorf("%s: %q, %v; want %q", key, got, err, want)
		}
	}
	for _, key := range []string{"", ".", "kernel..shmmax", "/etc/shadow", "kernel/../../etc", "..", "kernel."} {
		if p, err := sysctlPath(key); err == nil {
			t.Errorf("%q: accepted as %q", key, p)
		}
	}
}

// A rootfs with a plain directory at /proc/sys (no procfs mounted) must
// not have "sysctls" written into its files.
var _ = helper("sysctl-not-procfs", func() error {
	root, dir, err := childRoot(false)
	if err != nil {
		return err
	}
	f := filepath.Join(dir, "proc/sys/kernel/shmmax")
	os.MkdirAll(filepath.Dir(f), 0o755)
	os.WriteFile(f, []byte("old"), 0o644)
	var c checks
	err = writeSysctls(root, []Sysctl{{Key: "kernel.shmmax", Value: "1"}})
	c.expect(err != nil && strings.Contains(err.Error(), "not procfs"), "error %v", err)
	b, _ := os.ReadFile(f)
	c.expect(string(b) == "old", "the fake file now holds %q", b)
	return c.err()
})

func TestSysctlRefusesFakeProc(t *testing.T) { rootChild(t, "sysctl-not-procfs") }
