package containerinit

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// Behaviour tests run in a child: the test binary re-executed with
// helperEnv naming a helper, in new PID and mount namespaces (Go makes the
// child's mounts private before exec; the helper makes "/" rslave again),
// so nothing it mounts or changes reaches this process or the host.

const helperEnv = "MYC_INIT_TEST_HELPER"

var helpers = map[string]func() error{}

func helper(name string, f func() error) string { helpers[name] = f; return name }

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		f := helpers[name]
		if f == nil {
			fmt.Fprintf(os.Stderr, "no helper %q\n", name)
			os.Exit(3)
		}
		if err := unix.Mount("", "/", "", unix.MS_SLAVE|unix.MS_REC, ""); err != nil {
			fmt.Fprintln(os.Stderr, "make / rslave:", err)
			os.Exit(3)
		}
		if err := f(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

type childOpts struct {
	clone uintptr  // namespaces beyond PID and mount
	env   []string // extra environment
	shell string   // a sh snippet run first, then the helper is exec'd
}

// runChild runs helper name in a child and returns its stdout. The host's
// mount table must be the same before and after.
func runChild(t *testing.T, name string, o childOpts) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	before := mountinfo(t)
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	if o.shell != "" {
		cmd = exec.Command("/bin/sh", "-c", o.shell+` && exec "$0" "$@"`, os.Args[0], "-test.run=^$")
	}
	cmd.Env = append(append(os.Environ(), helperEnv+"="+name), o.env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:   syscall.CLONE_NEWPID | o.clone,
		Unshareflags: syscall.CLONE_NEWNS,
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if after := mountinfo(t); after != before {
		t.Errorf("the host mount table changed:\nbefore:\n%s\nafter:\n%s", before, after)
	}
	if err != nil {
		t.Fatalf("helper %s: %v\nstdout:\n%s\nstderr:\n%s", name, err, out, stderr.String())
	}
	return string(out)
}

func mountinfo(t *testing.T) string {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// statusField reads one field of a /proc/.../status text.
func statusField(status, key string) string {
	for _, l := range strings.Split(status, "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && k == key {
			return strings.TrimSpace(v)
		}
	}
	return "<missing " + key + ">"
}

func hexCaps(caps ...int) string {
	var m uint64
	for _, c := range caps {
		m |= capBit(c)
	}
	return fmt.Sprintf("%016x", m)
}

// The helpers below switch credentials on their locked thread and report
// that thread's status (/proc/thread-self: capabilities are per thread).
var _ = helper("caps-root", func() error {
	runtime.LockOSThread()
	x := &Extras{Caps: &Capabilities{
		Bounding:    []int{unix.CAP_CHOWN, unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE, unix.CAP_SETPCAP},
		Effective:   []int{unix.CAP_CHOWN, unix.CAP_KILL},
		Permitted:   []int{unix.CAP_CHOWN, unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE},
		Inheritable: []int{unix.CAP_NET_BIND_SERVICE},
		Ambient:     []int{unix.CAP_NET_BIND_SERVICE},
	}}
	if err := switchCredentials(0, 0, []uint32{0}, x); err != nil {
		return err
	}
	return printThreadStatus()
})

func printThreadStatus() error {
	b, err := os.ReadFile("/proc/thread-self/status")
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(b)
	return err
}

func TestCapsRootExactSets(t *testing.T) {
	st := runChild(t, "caps-root", childOpts{})
	want := map[string]string{
		"CapBnd":     hexCaps(unix.CAP_CHOWN, unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE, unix.CAP_SETPCAP),
		"CapEff":     hexCaps(unix.CAP_CHOWN, unix.CAP_KILL),
		"CapPrm":     hexCaps(unix.CAP_CHOWN, unix.CAP_KILL, unix.CAP_NET_BIND_SERVICE),
		"CapInh":     hexCaps(unix.CAP_NET_BIND_SERVICE),
		"CapAmb":     hexCaps(unix.CAP_NET_BIND_SERVICE),
		"NoNewPrivs": "0", "Seccomp": "0",
	}
	for k, v := range want {
		if got := statusField(st, k); got != v {
			t.Errorf("%s = %s, want %s", k, got, v)
		}
	}
}

// A non-root command keeps a capability across execve only through the
// ambient set; cat reports its own status after the exec.
var _ = helper("caps-user", func() error {
	runtime.LockOSThread()
	nbs := unix.CAP_NET_BIND_SERVICE
	x := &Extras{NoNewPrivs: true, Caps: &Capabilities{
		Bounding: []int{nbs, unix.CAP_NET_RAW}, Effective: []int{nbs}, Permitted: []int{nbs},
		Inheritable: []int{nbs}, Ambient: []int{nbs},
	}}
	if err := switchCredentials(1000, 1000, []uint32{1000, 2000}, x); err != nil {
		return err
	}
	return syscall.Exec("/bin/cat", []string{"cat", "/proc/self/status"}, nil)
})

func TestCapsNonRootKeepsAmbientAcrossExec(t *testing.T) {
	st := runChild(t, "caps-user", childOpts{})
	nbs := hexCaps(unix.CAP_NET_BIND_SERVICE)
	want := map[string]string{
		"Uid": "1000\t1000\t1000\t1000", "Gid": "1000\t1000\t1000\t1000", "Groups": "1000 2000",
		"CapEff": nbs, "CapPrm": nbs, "CapInh": nbs, "CapAmb": nbs,
		"CapBnd":     hexCaps(unix.CAP_NET_BIND_SERVICE, unix.CAP_NET_RAW),
		"NoNewPrivs": "1",
	}
	for k, v := range want {
		if got := statusField(st, k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
}

func TestParseCapsRefusesWhatTheKernelWould(t *testing.T) {
	for name, c := range map[string]*Capabilities{
		"effective not permitted":   {Bounding: []int{1}, Effective: []int{1}},
		"ambient not inheritable":   {Bounding: []int{1}, Permitted: []int{1}, Ambient: []int{1}},
		"inheritable not bounding":  {Inheritable: []int{2}, Permitted: []int{2}},
		"unknown capability number": {Bounding: []int{64}},
		"negative":                  {Permitted: []int{-1}},
	} {
		if _, err := parseCaps(c); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	s, err := parseCaps(&Capabilities{Bounding: []int{0, 40}, Permitted: []int{0, 40}, Effective: []int{40}})
	if err != nil || s.bnd != 1|1<<40 || s.eff != 1<<40 || s.perm != s.bnd {
		t.Errorf("parseCaps = %+v, %v", s, err)
	}
	if got := capList(1 | 1<<40); got != "0,40" {
		t.Errorf("capList = %q", got)
	}
}

func TestWantedCapsWithoutSpec(t *testing.T) {
	if _, managed, _ := wantedCaps(0, &Extras{Seccomp: []byte{1}}); managed {
		t.Error("root without capabilities in the spec must keep the kernel's default")
	}
	if _, managed, _ := wantedCaps(1000, &Extras{NoNewPrivs: true, Seccomp: []byte{1}}); managed {
		t.Error("no_new_privs needs no CAP_SYS_ADMIN to load seccomp")
	}
	s, managed, _ := wantedCaps(1000, &Extras{Seccomp: []byte{1}})
	if !managed || s.eff|s.perm|s.inh|s.amb != 0 || s.bnd != ^uint64(0) {
		t.Errorf("non-root with seccomp and no no_new_privs: %+v %v", s, managed)
	}
}
