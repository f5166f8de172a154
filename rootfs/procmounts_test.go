package rootfs

import "testing"

// CVE-2019-16884: only procfs goes on /proc, and below it only the files
// lxcfs emulates.
func TestCheckProcMountCVE2019_16884(t *testing.T) {
	for _, c := range []struct {
		target, fstype  string
		bind, srcIsProc bool
		ok              bool
	}{
		{"/proc", "proc", false, false, true},
		{"/proc", "", true, true, true},
		{"/proc", "", true, false, false},
		{"/proc", "tmpfs", false, false, false},
		{"/proc/sys", "tmpfs", false, false, false},
		{"/proc/sys/kernel", "", true, false, false},
		{"/proc/meminfo", "", true, false, true},
		{"/proc/sys/kernel/ns_last_pid", "", true, false, true},
		{"/procfoo", "tmpfs", false, false, true},
		{"/srv", "", true, false, true},
	} {
		err := CheckProcMount(c.target, c.fstype, c.bind, c.srcIsProc)
		if (err == nil) != c.ok {
			t.Errorf("%s (%q bind=%v proc source=%v): %v, want ok=%v", c.target, c.fstype, c.bind, c.srcIsProc, err, c.ok)
		}
	}
}
