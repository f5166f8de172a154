package compile

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
	"mycontainer/seccomp"
)

// The filter is loaded in a child, never in the test process itself: a
// filter cannot be removed. The child is this test binary, re-executed with
// childEnv set; it loads the bytes the parent compiled (as the container's
// init will) and runs raw syscalls ("probes"), printing each one's errno.

const childEnv = "MYCONTAINER_SECCOMP_TEST_CHILD"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		child()
	}
	os.Exit(m.Run())
}

// Syscalls the Go runtime makes on the child's locked thread after the
// filter is loaded, for profiles whose default denies.
var goRuntime = []string{"write", "exit_group", "exit", "futex", "rt_sigreturn", "rt_sigprocmask",
	"sigaltstack", "mmap", "munmap", "madvise", "sched_yield", "nanosleep", "tgkill", "gettid",
	"getpid", "clock_gettime", "epoll_pwait", "epoll_wait", "read", "close", "fcntl"}

// probe numbers; "$path" and "$buf" as arguments stand for pointers.
var probeNr = map[string]uintptr{
	"mkdirat": unix.SYS_MKDIRAT, "getcwd": unix.SYS_GETCWD, "personality": unix.SYS_PERSONALITY,
	"getpriority": unix.SYS_GETPRIORITY, "umask": unix.SYS_UMASK, "getppid": unix.SYS_GETPPID,
	"bpf": unix.SYS_BPF, "clone3": unix.SYS_CLONE3, "socket": unix.SYS_SOCKET, "uname": unix.SYS_UNAME,
	// x32 calls: x86_64 numbers with bit 30 (amd64 only).
	"x32getppid": x32SyscallBit | unix.SYS_GETPPID, "x32mkdirat": x32SyscallBit | unix.SYS_MKDIRAT,
}

func child() {
	prog, err := os.ReadFile(os.Getenv(childEnv))
	check(err)
	flags, err := strconv.ParseUint(os.Getenv(childEnv+"_FLAGS"), 10, 64)
	check(err)
	// Parse every probe and allocate every buffer before loading, so that
	// after it the thread only makes the probes' syscalls, write and exit.
	type call struct{ nr, a [6]uintptr }
	var calls []call
	path, buf := []byte("/nonexistent-mycontainer/x\x00"), make([]byte, 4096)
	for _, p := range strings.Fields(os.Getenv(childEnv + "_PROBES")) {
		name, args, _ := strings.Cut(p, ":")
		nr, ok := probeNr[name]
		if !ok {
			check(fmt.Errorf("unknown probe %q", name))
		}
		c := call{nr: [6]uintptr{nr}}
		for i, a := range strings.FieldsFunc(args, func(r rune) bool { return r == ',' }) {
			switch a {
			case "$path":
				c.a[i] = uintptr(unsafe.Pointer(&path[0]))
			case "$buf":
				c.a[i] = uintptr(unsafe.Pointer(&buf[0]))
			default:
				v, err := strconv.ParseUint(a, 0, 64)
				check(err)
				c.a[i] = uintptr(v)
			}
		}
		calls = append(calls, c)
	}
	out := make([]byte, 0, 1024)
	runtime.LockOSThread()
	check(unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
	check(seccomp.Load(prog, uint(flags)))
	for _, c := range calls {
		_, _, e := unix.RawSyscall6(c.nr[0], c.a[0], c.a[1], c.a[2], c.a[3], c.a[4], c.a[5])
		out = strconv.AppendUint(out, uint64(e), 10)
		out = append(out, ' ')
	}
	unix.Write(1, out)
	unix.Exit(0)
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
}

// run compiles s in the parent, runs the probes in a child that loads it,
// and returns each probe's errno (0: success) and the child's exit state.
func run(t *testing.T, s *specs.LinuxSeccomp, probes ...string) ([]syscall.Errno, *os.ProcessState) {
	t.Helper()
	prog, flags, err := Compile(s)
	if err != nil {
		t.Fatal(err)
	}
	f := filepath.Join(t.TempDir(), "bpf")
	if err := os.WriteFile(f, prog, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+f, childEnv+"_FLAGS="+strconv.FormatUint(uint64(flags), 10),
		childEnv+"_PROBES="+strings.Join(probes, " "),
		"GODEBUG=asyncpreemptoff=1") // fewer signals on the filtered thread
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, _ := cmd.Output()
	if stderr.Len() > 0 {
		t.Logf("child stderr: %s", stderr.String())
	}
	var errs []syscall.Errno
	for _, w := range strings.Fields(string(out)) {
		n, _ := strconv.Atoi(w)
		errs = append(errs, syscall.Errno(n))
	}
	return errs, cmd.ProcessState
}

func expect(t *testing.T, s *specs.LinuxSeccomp, probes map[string]syscall.Errno) {
	t.Helper()
	var names []string
	for p := range probes {
		names = append(names, p)
	}
	got, st := run(t, s, names...)
	if !st.Success() || len(got) != len(names) {
		t.Fatalf("child: %v, results %v", st, got)
	}
	for i, p := range names {
		if got[i] != probes[p] {
			t.Errorf("%s: errno %d (%v), want %d (%v)", p, got[i], got[i], probes[p], probes[p])
		}
	}
}

func TestLoadErrnoRules(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		// A foreign arch only: the native one must still be filtered.
		Architectures: []specs.Arch{specs.ArchAARCH64},
		Syscalls: []specs.LinuxSyscall{
			{Names: []string{"mkdirat", "mycontainer_no_such_syscall"}, Action: specs.ActErrno}, // EPERM by default
			{Names: []string{"getcwd"}, Action: specs.ActErrno, ErrnoRet: uptr(uint(unix.ENOSYS))},
		},
	}
	expect(t, s, map[string]syscall.Errno{
		"mkdirat:0xffffffffffffff9c,$path,0o755": unix.EPERM, // AT_FDCWD; ENOENT without the filter
		"getcwd:$buf,4096":                       unix.ENOSYS,
		"uname:$buf":                             0,
	})
}

func TestLoadDefaultErrnoBlocksUnlisted(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction:   specs.ActErrno,
		DefaultErrnoRet: uptr(uint(unix.ENOSYS)),
		Syscalls:        []specs.LinuxSyscall{{Names: append([]string{"uname"}, goRuntime...), Action: specs.ActAllow}},
	}
	expect(t, s, map[string]syscall.Errno{"getcwd:$buf,4096": unix.ENOSYS, "uname:$buf": 0})
}

// personality(0xffffffff) only queries the persona: allowed. Any other value
// falls to the default.
func TestLoadArgRule(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActErrno,
		Syscalls: []specs.LinuxSyscall{
			{Names: goRuntime, Action: specs.ActAllow},
			{Names: []string{"personality"}, Action: specs.ActAllow,
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0xffffffff, Op: specs.OpEqualTo}}},
		},
	}
	expect(t, s, map[string]syscall.Errno{"personality:0xffffffff": 0, "personality:0x0008": unix.EPERM})
}

// Args on different indices must all match (AND).
func TestLoadArgsAreANDed(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"getpriority"}, Action: specs.ActErrno, ErrnoRet: uptr(42),
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0, Op: specs.OpEqualTo}, {Index: 1, Value: 0, Op: specs.OpEqualTo}}}},
	}
	expect(t, s, map[string]syscall.Errno{
		"getpriority:0,0":           42,
		"getpriority:0,2147483647":  unix.ESRCH, // PRIO_PROCESS of no such pid
		"getpriority:1,0":           0,          // PRIO_PGRP, own group
		"getpriority:99,0":          unix.EINVAL,
		"getpriority:0,0,9":         42,
		"getpriority:2,99999999999": unix.ESRCH,
	})
}

// Two args on one index: runc's OR, one rule per arg; see the package comment.
func TestLoadRepeatedIndexIsORed(t *testing.T) {
	s := &specs.LinuxSeccomp{
		DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"umask"}, Action: specs.ActErrno, ErrnoRet: uptr(42),
			Args: []specs.LinuxSeccompArg{{Index: 0, Value: 0o7, Op: specs.OpEqualTo}, {Index: 0, Value: 0o77, Op: specs.OpEqualTo}}}},
	}
	expect(t, s, map[string]syscall.Errno{"umask:0o7": 42, "umask:0o77": 42, "umask:0o22": 0})
}

// Each operator, through umask (which never fails by itself).
func TestLoadOperators(t *testing.T) {
	for _, tc := range []struct {
		op         specs.LinuxSeccompOperator
		value, two uint64
		denied     []string
		allowed    []string
	}{
		{specs.OpNotEqual, 0o22, 0, []string{"0o21", "0o23"}, []string{"0o22"}},
		{specs.OpLessThan, 0o22, 0, []string{"0o21", "0"}, []string{"0o22", "0o23"}},
		{specs.OpLessEqual, 0o22, 0, []string{"0o21", "0o22"}, []string{"0o23"}},
		{specs.OpEqualTo, 0o22, 0, []string{"0o22"}, []string{"0o21", "0o23"}},
		{specs.OpGreaterEqual, 0o22, 0, []string{"0o22", "0o777"}, []string{"0o21"}},
		{specs.OpGreaterThan, 0o22, 0, []string{"0o23"}, []string{"0o22", "0o21"}},
		// (arg & 0o700) == 0o700
		{specs.OpMaskedEqual, 0o700, 0o700, []string{"0o700", "0o777"}, []string{"0o077", "0o600"}},
	} {
		t.Run(string(tc.op), func(t *testing.T) {
			s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Syscalls: []specs.LinuxSyscall{{
				Names: []string{"umask"}, Action: specs.ActErrno, ErrnoRet: uptr(42),
				Args: []specs.LinuxSeccompArg{{Index: 0, Value: tc.value, ValueTwo: tc.two, Op: tc.op}}}}}
			want := map[string]syscall.Errno{}
			for _, v := range tc.denied {
				want["umask:"+v] = 42
			}
			for _, v := range tc.allowed {
				want["umask:"+v] = 0
			}
			expect(t, s, want)
		})
	}
}

func TestLoadKillProcess(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow,
		Syscalls: []specs.LinuxSyscall{{Names: []string{"getppid"}, Action: specs.ActKillProcess}}}
	_, st := run(t, s, "uname:$buf", "getppid")
	ws, _ := st.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != unix.SIGSYS {
		t.Fatalf("child: %v, want killed by SIGSYS", st)
	}
}

// The LOG flag becomes SECCOMP_FILTER_FLAG_LOG, and the kernel takes it.
// (tests/seccomp_test.go reads it back from a container's filter.)
func TestLoadWithLogFlag(t *testing.T) {
	s := &specs.LinuxSeccomp{DefaultAction: specs.ActAllow, Flags: []specs.LinuxSeccompFlag{specs.LinuxSeccompFlagLog},
		Syscalls: []specs.LinuxSyscall{{Names: []string{"getcwd"}, Action: specs.ActErrno}}}
	if _, flags, err := Compile(s); err != nil || flags&unix.SECCOMP_FILTER_FLAG_LOG == 0 {
		t.Errorf("Compile: flags %#x, %v; want SECCOMP_FILTER_FLAG_LOG", flags, err)
	}
	expect(t, s, map[string]syscall.Errno{"getcwd:$buf,4096": unix.EPERM})
}

// The podman-shaped profile loads, and an ordinary Go process still runs.
func TestLoadPodmanDefault(t *testing.T) {
	expect(t, podmanProfile(t), map[string]syscall.Errno{
		"getcwd:$buf,4096":       0,
		"uname:$buf":             0,
		"bpf:0,0,0":              unix.EPERM,
		"clone3:0,0":             unix.ENOSYS,
		"personality:0xffffffff": 0,
		"personality:0x1234":     unix.EPERM,
		"socket:40,1,0":          unix.EPERM, // AF_VSOCK: the NE 40 rule does not allow it
	})
}
