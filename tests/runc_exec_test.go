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
	// What this runtime cannot do is refused, with exec's exit code.
	for _, c := range []struct{ flag, val, want string }{
		{"--apparmor", "docker-default", "AppArmor is not supported"},
		{"--process-label", "system_u:system_r:container_t:s0", "SELinux is not supported"},
		{"--cgroup", "sub", "not supported"},
	} {
		if r := e.oci(t, "exec", c.flag, c.val, "ex", "true"); r.code != 255 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("exec %s %s: exit %d %q; want 255 and %q", c.flag, c.val, r.code, r.stderr, c.want)
		}
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

	// A paused container: exec is refused; --ignore-paused is accepted,
	// but the process could only stop at once in the frozen cgroup, so it
	// is refused too, with the reason and the way out.
	if r := e.oci(t, "pause", "ex"); r.code != 0 {
		t.Fatalf("pause: %s", r.stderr)
	}
	if r := e.oci(t, "exec", "ex", "true"); r.code != 255 || !strings.Contains(r.stderr, "paused") {
		t.Errorf("exec in a paused container: exit %d %q; want 255, paused", r.code, r.stderr)
	}
	if r := e.oci(t, "exec", "--ignore-paused", "ex", "true"); r.code != 255 || !strings.Contains(r.stderr, "resume") {
		t.Errorf("exec --ignore-paused in a paused container: exit %d %q; want 255 and how to resume", r.code, r.stderr)
	}
	if r := e.oci(t, "resume", "ex"); r.code != 0 {
		t.Errorf("resume: %s", r.stderr)
	}
	if got := out("--ignore-paused", "ex", "echo", "resumed"); got != "resumed" {
		t.Errorf("exec --ignore-paused in a running container: %q", got)
	}
	if r := e.oci(t, "delete", "--force", "ex"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
}
