package tests

import (
	"os"
	"strconv"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// exec as runc's exec(8) documents it: without --process the process
// starts from the config's, and the flags change it.
func TestRuncExecFlags(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "ex", []string{"sleep", "100"}, func(s *specs.Spec) {
		s.Process.NoNewPrivileges = false
		s.Process.Env = []string{"PATH=/bin:/sbin", "FROMCONFIG=yes"}
	})
	if r := e.oci(t, "run", "-d", "-b", b, "ex"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	out := func(args ...string) string {
		t.Helper()
		r := e.oci(t, append([]string{"exec"}, args...)...)
		if r.code != 0 {
			t.Errorf("exec %v: exit %d %q", args, r.code, r.stderr)
		}
		return strings.TrimSpace(r.stdout)
	}
	// --env adds to the config's environment.
	if got := out("-e", "ADDED=1", "ex", "sh", "-c", "echo $FROMCONFIG $ADDED $PATH"); got != "yes 1 /bin:/sbin" {
		t.Errorf("exec -e: %q, want the config's env plus ADDED", got)
	}
	if got := out("--cwd", "/tmp", "ex", "pwd"); got != "/tmp" {
		t.Errorf("exec --cwd /tmp: %q", got)
	}
	if got := out("-u", "1000:1000", "-g", "50", "--additional-gids", "60", "ex", "id", "-G"); got != "1000 50 60" {
		t.Errorf("exec -u 1000:1000 -g 50 -g 60: groups %q, want 1000 50 60", got)
	}
	capEff := func(args ...string) uint64 {
		t.Helper()
		s := out(append(args, "ex", "sh", "-c", "grep CapEff /proc/self/status")...)
		f := strings.Fields(s)
		if len(f) != 2 {
			t.Fatalf("CapEff line %q", s)
		}
		v, err := strconv.ParseUint(f[1], 16, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	const sysAdmin = 1 << 21
	if c := capEff(); c&sysAdmin != 0 {
		t.Fatalf("CAP_SYS_ADMIN without --cap: %#x", c)
	}
	if c := capEff("--cap", "CAP_SYS_ADMIN"); c&sysAdmin == 0 {
		t.Errorf("exec --cap CAP_SYS_ADMIN: CapEff %#x lacks it", c)
	}
	nnp := func(args ...string) string {
		return out(append(args, "ex", "sh", "-c", "grep NoNewPrivs /proc/self/status")...)
	}
	if got := nnp(); !strings.HasSuffix(got, "0") {
		t.Errorf("no_new_privs without the flag (config false): %q", got)
	}
	if got := nnp("--no-new-privs"); !strings.HasSuffix(got, "1") {
		t.Errorf("exec --no-new-privs: %q", got)
	}

	// --preserve-fds 1: fd 3 reaches the process, and nothing above it.
	f, err := os.CreateTemp(t.TempDir(), "fd")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.WriteString("three\n")
	f.Seek(0, 0)
	r := invocation{extra: []*os.File{f, f}}.run(t, "--root", e.root, "exec", "--preserve-fds", "1", "ex",
		"sh", "-c", "cat <&3; (ls /proc/$$/fd) >/dev/shm/fds; tr '\\n' ' ' </dev/shm/fds")
	if r.code != 0 || strings.TrimSpace(r.stdout) != "three\n0 1 2 3" {
		t.Errorf("exec --preserve-fds 1: exit %d %q %q; want three and fds 0 1 2 3", r.code, r.stdout, r.stderr)
	}

	if r := e.oci(t, "delete", "--force", "ex"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
}

// lsmReason is what the refusal of an AppArmor profile or SELinux label
// must say on this host: that the host lacks the LSM, or that the host
// has it and mycontainer applies none.
func lsmReason(lsm, path string) string {
	if _, err := os.Stat(path); err != nil {
		return "this host has no " + lsm + " enabled (no " + path + ")"
	}
	return "the host has " + lsm + ", but mycontainer does not apply"
}

// runc exec(8)'s --apparmor and --process-label, and config.json's
// process.apparmorProfile and selinuxLabel: a process that asks to be
// confined never runs unconfined, and exec and create give one reason,
// naming what the host lacks.
func TestRuncLSMRefusedNamingWhy(t *testing.T) {
	aa := lsmReason("AppArmor", "/sys/kernel/security/apparmor")
	se := lsmReason("SELinux", "/sys/fs/selinux/enforce")
	e := newOCIEnv(t)
	runDetached(t, e, "lsm", e.bundle(t, "lsm", []string{"sleep", "100"}, nil))
	for _, c := range []struct{ flag, val, want string }{
		{"--apparmor", "docker-default", aa},
		{"--process-label", "system_u:system_r:container_t:s0", se},
	} {
		r := e.oci(t, "exec", c.flag, c.val, "lsm", "sh", "-c", "echo RAN")
		if r.code != 255 || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stdout, "RAN") {
			t.Errorf("exec %s %s: exit %d %q %q; want 255 and %q", c.flag, c.val, r.code, r.stdout, r.stderr, c.want)
		}
	}
	for _, c := range []struct {
		field string
		edit  func(*specs.Spec)
		want  string
	}{
		{"process.apparmorProfile", func(s *specs.Spec) { s.Process.ApparmorProfile = "docker-default" }, aa},
		{"process.selinuxLabel", func(s *specs.Spec) { s.Process.SelinuxLabel = "system_u:system_r:container_t:s0" }, se},
	} {
		before := snapshot(t)
		r := e.oci(t, "run", "-b", e.bundle(t, "lsm2", []string{"sh", "-c", "echo RAN"}, c.edit), "lsm2")
		if r.code == 0 || !strings.Contains(r.stderr, c.field) || !strings.Contains(r.stderr, c.want) || strings.Contains(r.stdout, "RAN") {
			t.Errorf("run with %s: exit %d %q %q; want refused, naming the field and %q", c.field, r.code, r.stdout, r.stderr, c.want)
		}
		before.assertClean(t, "")
	}
}
