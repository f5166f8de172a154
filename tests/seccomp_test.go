package tests

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Seccomp last: the filter denies the very syscalls the switch to a
// non-root user makes (setgroups, setresgid, setresuid, and capset where
// no_new_privs makes it the switch's own), and the container must still
// start as that user, with the filter in force. Loaded any earlier, the
// switch fails with EPERM. Without no_new_privs the runtime keeps
// CAP_SYS_ADMIN to load the filter and drops it with a capset after, so
// that form leaves capset allowed.
func TestSeccompLoadedAfterUserSwitch(t *testing.T) {
	removeNewSeccompCache(t)
	for _, c := range []struct {
		name  string
		deny  []string
		extra []string
	}{
		{"no-new-privileges", []string{"setgroups", "setresgid", "setresuid", "capset"}, []string{"--security-opt", "no-new-privileges"}},
		{"capabilities kept to load", []string{"setgroups", "setresgid", "setresuid"}, nil},
	} {
		profile := filepath.Join(t.TempDir(), "profile.json")
		b, err := json.Marshal(map[string]any{
			"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls":      []map[string]any{{"names": c.deny, "action": "SCMP_ACT_ERRNO"}},
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(profile, b, 0o644); err != nil {
			t.Fatal(err)
		}
		extra := append([]string{"-u", "1000:1000", "--security-opt", "seccomp=" + profile}, c.extra...)
		r := inRootfs(t, extra, "sh", "-c", "id -u; id -g; grep -E '^(Seccomp|Groups):' /proc/self/status")
		if r.code != 0 {
			t.Errorf("%s: exit %d: %s", c.name, r.code, r.stderr)
			continue
		}
		got := strings.Join(strings.Fields(r.stdout), " ")
		if got != "1000 1000 Groups: 1000 Seccomp: 2" {
			t.Errorf("%s: got %q, want uid and gid 1000, only group 1000, and a filter", c.name, got)
		}
	}
}

// The LOG flag reaches the kernel: the filter of the running container's
// process carries SECCOMP_FILTER_FLAG_LOG, read from the host with
// PTRACE_SECCOMP_GET_METADATA (which stops the process for a moment).
func TestSeccompLogFlagReachesKernel(t *testing.T) {
	removeNewSeccompCache(t)
	e := newOCIEnv(t)
	for _, c := range []struct {
		id    string
		flags []specs.LinuxSeccompFlag
		want  uint64
	}{
		{"log", []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog}, unix.SECCOMP_FILTER_FLAG_LOG},
		{"nolog", nil, 0},
	} {
		// A profile no earlier run compiled: the runtime caches compiled
		// profiles by content (/var/cache/mycontainer/seccomp), and a
		// cached LOG flag would hide one the compiler no longer sets.
		once, _ := strconv.ParseUint(marker(), 10, 64)
		b := e.bundle(t, c.id, []string{"sleep", "100"}, func(s *specs.Spec) {
			s.Linux.Seccomp = &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: c.flags,
				Syscalls: []specs.LinuxSyscall{{Names: []string{"getcwd"}, Action: specs.ActErrno},
					{Names: []string{"getpriority"}, Action: specs.ActErrno,
						Args: []specs.LinuxSeccompArg{{Index: 0, Value: once, Op: specs.OpEqualTo}}}}}
		})
		if r := e.oci(t, "run", "--detach", "--bundle", b, c.id); r.code != 0 {
			t.Fatalf("%s: run -d: %d %s", c.id, r.code, r.stderr)
		}
		pid := ociPid(t, e, c.id)
		waitFor(t, "the command to run", func() bool {
			comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			return strings.TrimSpace(string(comm)) == "sleep"
		})
		flags, err := seccompFilterFlags(pid)
		e.oci(t, "delete", "--force", c.id)
		if err != nil {
			t.Fatalf("%s: %v", c.id, err)
		}
		if flags&unix.SECCOMP_FILTER_FLAG_LOG != c.want {
			t.Errorf("%s: filter flags %#x, want LOG %#x", c.id, flags, c.want)
		}
	}
}

// seccompFilterFlags seizes pid, stops it, reads the flags of its newest
// seccomp filter and lets it go.
func seccompFilterFlags(pid int) (uint64, error) {
	runtime.LockOSThread() // ptrace requests come from the tracing thread
	defer runtime.UnlockOSThread()
	if err := unix.PtraceSeize(pid); err != nil {
		return 0, err
	}
	defer unix.PtraceDetach(pid)
	if err := unix.PtraceInterrupt(pid); err != nil {
		return 0, err
	}
	var ws unix.WaitStatus
	if _, err := unix.Wait4(pid, &ws, unix.WALL, nil); err != nil {
		return 0, err
	}
	md := struct{ FilterOff, Flags uint64 }{}
	_, _, errno := unix.Syscall6(unix.SYS_PTRACE, unix.PTRACE_SECCOMP_GET_METADATA, uintptr(pid),
		unsafe.Sizeof(md), uintptr(unsafe.Pointer(&md)), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return md.Flags, nil
}

// removeNewSeccompCache removes, when the test ends, the compiled profiles
// the test's runs added to the runtime's cache (root suites run one at a
// time, so whatever is new there is this test's): files in the cache's
// per-boot directories, and a boot directory that was not there before.
func removeNewSeccompCache(t *testing.T) {
	const dir = "/var/cache/mycontainer/seccomp"
	list := func() map[string]bool {
		m := map[string]bool{}
		filepath.WalkDir(dir, func(p string, _ fs.DirEntry, err error) error {
			if err == nil && p != dir {
				m[p] = true
			}
			return nil
		})
		return m
	}
	had := list()
	t.Cleanup(func() {
		var dirs []string
		for p := range list() {
			switch {
			case had[p]:
			case strings.HasSuffix(p, ".bpf"):
				os.Remove(p)
			default:
				dirs = append(dirs, p)
			}
		}
		for _, d := range dirs {
			os.Remove(d) // only if empty: another run's programs stay
		}
	})
}

// seccomp leaves an x86 ABI the kernel cannot run (x32 without
// syscall.x32=y, i386 without IA32 emulation) out of the program: the
// answers must then be the kernel's own, as without a filter, and an ABI
// the kernel runs must still be filtered (keyctl is refused by docker's
// profile). This host runs neither foreign ABI; the cgroup v2 VM's kernel
// (Debian's) runs i386, so the second branch is checked there.
func TestSeccompForeignABIsAnswerAsTheKernel(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		t.Skip("x86 ABIs only")
	}
	removeNewSeccompCache(t)
	prog := attacker(t, "foreign_abi")
	vol := []string{"-v", filepath.Dir(prog) + ":/tmp/attack:ro"}
	answer := func(unconfined bool, abi, call string) string {
		t.Helper()
		flags := vol
		if unconfined {
			flags = append([]string{"--security-opt", "seccomp=unconfined"}, vol...)
		}
		// Through sh: the command is looked up in the rootfs before the
		// volume is mounted. sh reports a death by SIGSEGV as 139.
		r := inRootfs(t, flags, "sh", "-c", "/tmp/attack/foreign_abi "+abi+" "+call)
		switch {
		case r.code == 0:
			return strings.TrimSpace(r.stdout)
		case r.code == 128+int(unix.SIGSEGV):
			return "SIGSEGV" // no int $0x80 gate
		}
		t.Fatalf("foreign_abi %s %s (unconfined %v): exit %d: %s%s", abi, call, unconfined, r.code, r.stdout, r.stderr)
		return ""
	}
	for _, abi := range []string{"x32", "ia32"} {
		kernel := answer(true, abi, "getpid")
		filtered := answer(false, abi, "getpid")
		t.Logf("%s getpid: %q without a filter, %q with docker's profile", abi, kernel, filtered)
		if strings.HasPrefix(kernel, "ret ") {
			// The kernel runs this ABI: the profile must be there for it.
			if !strings.HasPrefix(filtered, "ret ") {
				t.Errorf("%s: the kernel runs it, but getpid under docker's profile gave %q (the ABI was left out of the program?)", abi, filtered)
			}
			if got := answer(false, abi, "keyctl"); got != "errno 1" {
				t.Errorf("%s keyctl under docker's profile: %q, want errno 1 (EPERM from the profile)", abi, got)
			}
			continue
		}
		if filtered != kernel {
			t.Errorf("%s: the kernel answers getpid with %q, docker's profile with %q", abi, kernel, filtered)
		}
		if got, want := answer(false, abi, "keyctl"), answer(true, abi, "keyctl"); got != want {
			t.Errorf("%s keyctl: %q under docker's profile, %q from the kernel", abi, got, want)
		}
	}
}

// The friendly run finds docker's default profile compiled in the cache
// by a name, without building the profile. The profile depends on the
// bounding set (CAP_SYS_ADMIN allows unshare, mount and more), so the name
// must hold it: each form runs twice, so whatever the cache held before,
// a name blind to the capabilities would give one form the other's
// program and one of the checks below would fail.
func TestFriendlyDefaultSeccompCachedPerCapabilities(t *testing.T) {
	removeNewSeccompCache(t)
	probe := "unshare -U true && echo UNSHARED; mount -t tmpfs none /tmp && echo MOUNTED; true"
	for i := 0; i < 4; i++ {
		admin := i%2 == 1
		var flags []string
		if admin {
			flags = []string{"--cap-add", "SYS_ADMIN"}
		}
		r := inRootfs(t, flags, "sh", "-c", probe)
		if r.code != 0 {
			t.Fatalf("run %v: exit %d: %s", flags, r.code, r.stderr)
		}
		switch {
		case admin && (!strings.Contains(r.stdout, "UNSHARED") || !strings.Contains(r.stdout, "MOUNTED")):
			t.Errorf("run %d with CAP_SYS_ADMIN: the profile refused unshare or mount (the default set's program?):\n%s%s", i, r.stdout, r.stderr)
		case !admin && strings.Contains(r.stdout, "UNSHARED"):
			t.Errorf("run %d with docker's capabilities: unshare(CLONE_NEWUSER) was allowed (CAP_SYS_ADMIN's program?)", i)
		}
	}
}
