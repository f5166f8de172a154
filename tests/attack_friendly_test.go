package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The escapes a root process tried from a friendly `run` container before
// it had docker's defaults (14 capabilities, docker's seccomp profile,
// masked and read-only paths, the device allow-list). Each script prints
// ESCAPED only if its escape works; every one must fail by default.
func TestAttackFriendlyDefaultsHoldRoot(t *testing.T) {
	// The host's disk, as a block device number the container could name.
	disk := hostBlockDevice(t)
	// A rootfs of its own: a successful remount would write into it.
	root := privateRootfs(t)
	for _, c := range []struct{ name, script string }{
		{"remount-root-rw", "mount -o remount,rw / && touch /root-was-writable && echo ESCAPED"},
		{"remount-sys-rw", "mount -o remount,rw /sys && echo ESCAPED"},
		// The container's own hostname: harmless if it ever got through.
		{"write-proc-sys", "cat /proc/sys/kernel/hostname > /tmp/h && cat /tmp/h > /proc/sys/kernel/hostname && echo ESCAPED"},
		{"mount-cgroup-lift-pids", "mkdir -p /tmp/cg && mount -t cgroup -o pids none /tmp/cg && echo ESCAPED"},
		{"mount-fresh-proc", "mkdir -p /tmp/p && mount -t proc proc /tmp/p && echo ESCAPED"},
		{"umount-proc", "umount -l /proc && echo ESCAPED"},
		// In /dev: the container's tmpfs there allows device nodes
		// (/tmp is nodev, which would hide the device rules).
		{"mknod-host-disk", "mknod /dev/disk b " + disk + " && (head -c 512 /dev/disk > /dev/null && echo ESCAPED)"},
		// Zeros are no module: a kernel that is reached says so
		// (ENOEXEC); only EPERM means the call was stopped before it.
		{"load-module", "dd if=/dev/zero of=/tmp/x.ko bs=1k count=4 2>/dev/null; insmod /tmp/x.ko 2>&1 | grep -q 'not permitted' || echo ESCAPED"},
		{"unshare-mount-ns", "unshare -m true && echo ESCAPED"},
		{"nsenter-host", "nsenter -t 1 -m -u true && echo ESCAPED"},
		{"kallsyms-addresses", "grep -m1 ' T ' /proc/kallsyms | grep -qv '^0000000000000000' && echo ESCAPED"},
		// Masked paths that exist on every kernel this runs on.
		{"keys-readable", "head -c 1 /proc/keys | grep -q . && echo ESCAPED"},
		{"timer-list-readable", "head -c 1 /proc/timer_list | grep -q . && echo ESCAPED"},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := run(t, "run", "--rootfs", root, "--", "sh", "-c", c.script+"; true")
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if strings.Contains(r.stdout, "ESCAPED") {
				t.Errorf("escape worked from a default container:\n%s%s", r.stdout, r.stderr)
			}
		})
	}
}

// The device allow-list on its own: with every capability and no seccomp
// filter (which would also stop some of it), a node of the host's disk
// made in the container's /dev still does not open. --privileged is the
// contrast, where it does.
func TestAttackFriendlyDeviceRulesHoldHostDisk(t *testing.T) {
	disk := hostBlockDevice(t)
	script := "mknod /dev/disk b " + disk + " && head -c 512 /dev/disk > /dev/null && echo OPENED; true"
	r := inRootfs(t, []string{"--cap-add", "ALL", "--security-opt", "seccomp=unconfined"}, "sh", "-c", script)
	if r.code != 0 || strings.Contains(r.stdout, "OPENED") {
		t.Errorf("the host's disk opened without --privileged: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	r = inRootfs(t, []string{"--privileged"}, "sh", "-c", script)
	if !strings.Contains(r.stdout, "OPENED") {
		t.Errorf("--privileged: the disk did not open (so the test above proves nothing): %q %q", r.stdout, r.stderr)
	}
}

// The host-root form binds the host's / read-only: a default container
// must not remount it and write a host file.
func TestAttackFriendlyHostRootRemount(t *testing.T) {
	dir, err := os.MkdirTemp("/", "mycontainer-host-remount-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	probe := filepath.Join(dir, "written")
	r := run(t, "run", "--", "/bin/sh", "-c", "mount -o remount,rw / ; mount -o remount,rw "+dir+" ; echo x > "+probe+"; true")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(probe); err == nil {
		t.Errorf("a default container wrote %s on the host", probe)
	}
}

// What the defaults are, read back from the kernel: docker's capability
// set, a seccomp filter, no ambient capabilities; --privileged and the
// flags give them back one by one.
func TestFriendlyPolicyFlags(t *testing.T) {
	status := "grep -E '^(CapEff|CapBnd|Seccomp|NoNewPrivs):' /proc/self/status"
	for _, c := range []struct {
		flags []string
		want  []string
	}{
		{nil, []string{"CapEff:\t00000000a80425fb", "Seccomp:\t2", "NoNewPrivs:\t0"}},
		{[]string{"--cap-drop", "ALL", "--cap-add", "net_bind_service"}, []string{"CapEff:\t0000000000000400"}},
		{[]string{"--cap-add", "SYS_ADMIN", "--cap-drop", "MKNOD"}, []string{"CapEff:\t00000000a02425fb"}},
		{[]string{"--security-opt", "seccomp=unconfined"}, []string{"Seccomp:\t0"}},
		{[]string{"--security-opt", "no-new-privileges"}, []string{"NoNewPrivs:\t1"}},
		{[]string{"--privileged"}, []string{"Seccomp:\t0"}},
	} {
		r := inRootfs(t, c.flags, "sh", "-c", status)
		for _, w := range c.want {
			if !strings.Contains(r.stdout, w) {
				t.Errorf("%v: want %q in:\n%s%s", c.flags, w, r.stdout, r.stderr)
			}
		}
	}
	r := inRootfs(t, []string{"--read-only"}, "sh", "-c", "touch /x && echo WROTE; true")
	if strings.Contains(r.stdout, "WROTE") {
		t.Error("--read-only: the root was writable")
	}
	r = inRootfs(t, []string{"--cap-add", "NO_SUCH"}, "true")
	if r.code != 125 || !strings.Contains(r.stderr, "NO_SUCH") {
		t.Errorf("unknown capability: exit %d %q", r.code, r.stderr)
	}
}

// hostBlockDevice is "MAJOR MINOR" of a block device of the host that
// this test process can open (a sandbox may forbid some, even to root):
// the one holding the host's root filesystem when possible.
func hostBlockDevice(t *testing.T) string {
	var cands []string
	for _, l := range mountinfo(t) {
		if f := strings.Fields(l); len(f) > 4 && f[4] == "/" && !strings.HasPrefix(f[2], "0:") {
			cands = append(cands, f[2])
		}
	}
	ents, _ := os.ReadDir("/sys/dev/block")
	for _, e := range ents {
		cands = append(cands, e.Name())
	}
	for _, c := range cands {
		// The node's name, from the device's uevent (DEVNAME=vda).
		ev, _ := os.ReadFile("/sys/dev/block/" + c + "/uevent")
		name := ""
		for _, l := range strings.Split(string(ev), "\n") {
			if v, ok := strings.CutPrefix(l, "DEVNAME="); ok {
				name = v
			}
		}
		if name == "" {
			continue
		}
		f, err := os.Open("/dev/" + name)
		if err == nil {
			f.Close()
			return strings.Replace(c, ":", " ", 1)
		}
	}
	t.Skip("no block device of the host opens here")
	return ""
}
