package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The command is PID 1, and ps sees nothing of the host.
func TestIsolationPIDNamespace(t *testing.T) {
	before := snapshot(t)
	r := inRootfs(t, nil, "sh", "-c", "ps -o pid,comm; true")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("ps shows %d lines, want header, sh and ps only:\n%s", len(lines), r.stdout)
	}
	if f := strings.Fields(lines[1]); f[0] != "1" || f[1] != "sh" {
		t.Errorf("PID 1 is %v, want sh", f)
	}
	before.assertClean(t, "")
}

// /proc belongs to the new PID namespace: its pid_for_children link
// differs from the host's, and /proc/1 is the command.
func TestIsolationFreshProc(t *testing.T) {
	host, err := os.Readlink("/proc/self/ns/pid")
	if err != nil {
		t.Fatal(err)
	}
	r := inRootfs(t, nil, "sh", "-c", "readlink /proc/1/ns/pid; cat /proc/1/cmdline | tr '\\0' ' '; echo; grep ' /proc ' /proc/self/mountinfo")
	if r.code != 0 {
		t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("unexpected output:\n%s", r.stdout)
	}
	if lines[0] == host {
		t.Errorf("container PID namespace %s equals the host's", lines[0])
	}
	if !strings.HasPrefix(lines[1], "sh -c") {
		t.Errorf("/proc/1/cmdline = %q, want the command", lines[1])
	}
	if !strings.Contains(lines[2], "proc proc") || !strings.Contains(lines[2], "nosuid,nodev,noexec") {
		t.Errorf("/proc mount = %q, want a nosuid,nodev,noexec procfs", lines[2])
	}
}

func TestIsolationHostnameAndUTS(t *testing.T) {
	host, _ := os.Hostname()
	r := inRootfs(t, nil, "hostname")
	if got := strings.TrimSpace(r.stdout); got != "container-host" || r.code != 0 {
		t.Fatalf("hostname = %q (exit %d, %s), want container-host", got, r.code, r.stderr)
	}
	r = inRootfs(t, []string{"--hostname", "web-1.example"}, "sh", "-c", "hostname; echo $HOSTNAME")
	if r.stdout != "web-1.example\nweb-1.example\n" {
		t.Errorf("got %q, want the custom hostname twice", r.stdout)
	}
	if now, _ := os.Hostname(); now != host {
		t.Errorf("host hostname changed from %q to %q", host, now)
	}
}

// Files outside the rootfs are out of reach: / is the rootfs, ".." at /
// stays at /, and the host's root is not reachable through /proc/1/root.
func TestIsolationRootfsIsRoot(t *testing.T) {
	// A directory of the host's / that no rootfs has: made by the test,
	// so this holds on any machine.
	probe, err := os.MkdirTemp("/", "mycontainer-host-probe-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.Remove(probe)
	name := filepath.Base(probe)
	r := inRootfs(t, nil, "sh", "-c", "ls /../../..; ls /proc/1/root/; test -e /"+name+" && echo HOST-VISIBLE; true")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if strings.Contains(r.stdout, "HOST-VISIBLE") || strings.Contains(r.stdout, name) {
		t.Errorf("host files visible:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "bin") {
		t.Errorf("rootfs not visible as /:\n%s", r.stdout)
	}
}

// /dev holds the minimal nodes, a private devpts and the fd links.
func TestDevMinimal(t *testing.T) {
	r := inRootfs(t, nil, "sh", "-c", `cd /dev && ls | tr '\n' ' '; echo; for l in ptmx fd stdin stdout stderr; do printf '%s ' $(readlink $l); done; echo; echo x > /dev/null && head -c 4 /dev/zero | wc -c; grep -E ' /dev(/pts|/shm)? ' /proc/self/mountinfo`)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, n := range []string{"null", "zero", "full", "random", "urandom", "tty", "ptmx", "pts", "shm", "fd", "stdin", "stdout", "stderr"} {
		if !strings.Contains(r.stdout, n+" ") {
			t.Errorf("/dev lacks %s:\n%s", n, r.stdout)
		}
	}
	for _, bad := range []string{"sda", "vda", "mem", "kmsg"} {
		if strings.Contains(r.stdout, " "+bad+" ") {
			t.Errorf("/dev exposes %s:\n%s", bad, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "pts/ptmx /proc/self/fd /proc/self/fd/0 /proc/self/fd/1 /proc/self/fd/2") {
		t.Errorf("wrong /dev links:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "ptmxmode=666") || !strings.Contains(r.stdout, "devpts") {
		t.Errorf("devpts is not a new instance with ptmxmode=0666:\n%s", r.stdout)
	}
}

func TestSysReadOnlyAndTmp(t *testing.T) {
	r := inRootfs(t, nil, "sh", "-c", "touch /sys/x 2>/dev/null && echo SYS-WRITABLE; touch /tmp/x && echo tmp-ok; grep -E ' /(tmp|sys|sys/fs/cgroup) ' /proc/self/mountinfo")
	if strings.Contains(r.stdout, "SYS-WRITABLE") {
		t.Error("/sys is writable")
	}
	// A touch in /sys fails on a writable sysfs too (EACCES): read the
	// mount's own options, which must say ro.
	for _, mnt := range []string{"/sys", "/sys/fs/cgroup"} {
		found := false
		for _, l := range strings.Split(r.stdout, "\n") {
			if f := strings.Fields(l); len(f) > 5 && f[4] == mnt {
				found = true
				if !strings.HasPrefix(f[5], "ro") {
					t.Errorf("%s is mounted %s, want ro: %s", mnt, f[5], l)
				}
			}
		}
		if !found {
			t.Errorf("no %s mount:\n%s", mnt, r.stdout)
		}
	}
	if !strings.Contains(r.stdout, "tmp-ok") || !strings.Contains(r.stdout, "tmpfs") {
		t.Errorf("/tmp is not a writable tmpfs:\n%s%s", r.stdout, r.stderr)
	}
}

// --net none: a new network namespace with only lo, and lo is up.
func TestNetNone(t *testing.T) {
	r := inRootfs(t, []string{"--net", "none"}, "sh", "-c", "ls /sys/class/net; ip link show lo")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, "lo\n") || !strings.Contains(r.stdout, "UP") {
		t.Errorf("want only lo, up:\n%s", r.stdout)
	}
	// --net host shares the host's interfaces, whatever they are.
	host, err := os.ReadDir("/sys/class/net")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range host {
		names = append(names, e.Name())
	}
	r = inRootfs(t, []string{"--net", "host"}, "ls", "/sys/class/net")
	if got := strings.Fields(r.stdout); strings.Join(got, " ") != strings.Join(names, " ") {
		t.Errorf("--net host shows %v, the host has %v", got, names)
	}
}

// Without --rootfs the container sees the host's / read-only, with its
// own /proc, /dev, /tmp and /run.
func TestDefaultRootIsHostReadOnly(t *testing.T) {
	before := snapshot(t)
	hostPasswd, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	r := run(t, "run", "/bin/sh", "-c", "cat /etc/passwd; touch /etc/mycontainer-x 2>&1; ps -e | wc -l; grep -E ' /(proc|dev|tmp|run) ' /proc/self/mountinfo | wc -l; touch /tmp/ok /run/ok && echo writable")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	if !strings.HasPrefix(r.stdout, string(hostPasswd)) {
		t.Errorf("the host's /etc/passwd is not visible:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "Read-only file system") {
		t.Errorf("host root is writable:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "\n4\n") || !strings.Contains(r.stdout, "writable") {
		t.Errorf("want fresh /proc, /dev, /tmp, /run and writable /tmp, /run:\n%s", r.stdout)
	}
	if _, err := os.Stat("/etc/mycontainer-x"); err == nil {
		os.Remove("/etc/mycontainer-x")
		t.Error("container wrote to the host's /etc")
	}
	before.assertClean(t, "")
}

func TestEnvWorkdirUser(t *testing.T) {
	t.Setenv("MYC_FROM_HOST", "copied")
	// -w creates a missing directory: a rootfs of the test's own, where
	// /srv/app does not exist yet on every run.
	root := privateRootfs(t)
	if _, err := os.Stat(filepath.Join(root, "srv")); !os.IsNotExist(err) {
		t.Fatalf("/srv exists in the fresh rootfs copy: %v", err)
	}
	r := run(t, "run", "--rootfs", root, "-e", "A=1", "-e", "PATH=/bin", "-e", "MYC_FROM_HOST", "-w", "/srv/app", "-u", "1000:50",
		"--", "sh", "-c", "echo $A $PATH $MYC_FROM_HOST $HOME; pwd; id -u; id -g")
	want := "1 /bin copied /home/alice\n/srv/app\n1000\n50\n"
	if r.stdout != want || r.code != 0 {
		t.Errorf("got %q (exit %d, %s), want %q", r.stdout, r.code, r.stderr, want)
	}
	if fi, err := os.Stat(filepath.Join(root, "srv/app")); err != nil || !fi.IsDir() {
		t.Errorf("-w /srv/app was not created in the rootfs: %v", err)
	}
	r = inRootfs(t, []string{"-u", "alice"}, "id")
	if !strings.Contains(r.stdout, "uid=1000(alice) gid=1000(alice) groups=") || !strings.Contains(r.stdout, "50(staff)") || !strings.Contains(r.stdout, "1000(alice)\n") && !strings.Contains(r.stdout, "1000(alice),") {
		t.Errorf("-u alice: %q %s", r.stdout, r.stderr)
	}
}

// A relative command counts from the working directory, as in docker.
func TestRelativeCommandInWorkdir(t *testing.T) {
	r := inRootfs(t, []string{"-w", "/bin"}, "./echo", "relative")
	if r.code != 0 || r.stdout != "relative\n" {
		t.Errorf("exit %d, %q, %q", r.code, r.stdout, r.stderr)
	}
	r = inRootfs(t, nil, "./echo", "x")
	if r.code != 127 {
		t.Errorf("./echo from /: exit %d, want 127", r.code)
	}
}
