package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"mycontainer/spec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// CVE-2019-5736: a process in the container grabs /proc/PID/exe of a
// runtime process that runs in its PID namespace (init before it execs
// the command, a joining `exec`, the --init reaper), waits until the
// binary is no longer busy and writes to it: the host's runtime is
// replaced. tests/attack/exe_overwrite.c is that attacker; these tests
// run it against every path and compare the binary's hash.
//
// Two guards (nsexec/exe.go): the stages run from a read-only bind of the
// binary (or a sealed memfd), and they are non-dumpable, so without
// CAP_SYS_PTRACE /proc/PID/exe does not even open. The attacker is given
// CAP_SYS_PTRACE where the first guard is under test.

// cve5736 is one attack: a private copy of the runtime, a bundle that
// shares a directory with the host, and the attacker's report.
type cve5736 struct {
	t      *testing.T
	bin    string
	hash   string
	e      *ociEnv
	shared string
	wrap   []string // runs the runtime under this command
}

func newCVE5736(t *testing.T) *cve5736 {
	bin := privateBinary(t)
	shared := t.TempDir()
	copyFile(t, attacker(t, "exe_overwrite"), filepath.Join(shared, "exe_overwrite"), 0o755)
	return &cve5736{t: t, bin: bin, hash: fileHash(t, bin), e: newOCIEnv(t), shared: shared}
}

func (a *cve5736) rt(args ...string) result {
	a.t.Helper()
	args = append([]string{"--root", a.e.root}, args...)
	if len(a.wrap) > 0 {
		return runBin(a.t, a.wrap[0], append(append(a.wrap[1:], a.bin), args...)...)
	}
	return runBin(a.t, a.bin, args...)
}

// bundle runs args with /shared mounted; ptrace adds CAP_SYS_PTRACE.
func (a *cve5736) bundle(id string, args []string, ptrace bool) string {
	return a.e.bundle(a.t, id, args, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/shared", Type: "bind", Source: a.shared, Options: []string{"rbind", "rw"}})
		if ptrace {
			c := s.Process.Capabilities
			c.Bounding = append(c.Bounding, "CAP_SYS_PTRACE")
			c.Effective = append(c.Effective, "CAP_SYS_PTRACE")
			c.Permitted = append(c.Permitted, "CAP_SYS_PTRACE")
		}
	})
}

const attackCmd = "/shared/exe_overwrite /shared/report /shared/stop 60"

func (a *cve5736) report() string {
	b, _ := os.ReadFile(filepath.Join(a.shared, "report"))
	return string(b)
}

func (a *cve5736) waitReport(what string, cond func(string) bool) {
	a.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond(a.report()) {
		if time.Now().After(deadline) {
			a.t.Fatalf("timed out waiting for the attacker: %s; report:\n%s", what, a.report())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// finish lets the attacker try its writes, then checks the binary.
func (a *cve5736) finish() string {
	a.t.Helper()
	if err := os.WriteFile(filepath.Join(a.shared, "stop"), nil, 0o644); err != nil {
		a.t.Fatal(err)
	}
	a.waitReport("its write attempts", func(r string) bool { return strings.Contains(r, "done\n") })
	rep := a.report()
	if strings.Contains(rep, " OK\n") {
		a.t.Errorf("the container wrote to the runtime's binary:\n%s", rep)
	}
	if h := fileHash(a.t, a.bin); h != a.hash {
		a.t.Errorf("the runtime binary changed on the host (sha256 %s, was %s):\n%s", h, a.hash, rep)
	}
	return rep
}

func protectedLines(t *testing.T, rep, comm string) {
	t.Helper()
	n := 0
	for _, l := range strings.Split(rep, "\n") {
		if !strings.HasPrefix(l, "seen ") || !strings.Contains(l, comm) {
			continue
		}
		n++
		if !strings.Contains(l, "ro=1") && !strings.Contains(l, "seals=15") {
			t.Errorf("%s runs from a writable file: %s", comm, l)
		}
	}
	if n == 0 {
		t.Errorf("the attacker never held the exe of %s; report:\n%s", comm, rep)
	}
}

// execUntil runs `exec ID true` until the report shows what the attacker
// saw of an exec process (it lives a few ms), at most 200 times. The
// process is cloned into the container's PID namespace by stage-1 and
// names itself myc:[exec] first thing, but a scan can land between the
// two (the attacker grabs each PID once): a myc:[stage-1] the container
// can see is that same process, with the same exe (on the slow v2 VM
// every one of 200 was caught so).
func (a *cve5736) execUntil(id, prefix string) {
	a.t.Helper()
	for i := 0; i < 200; i++ {
		if r := a.rt("exec", id, "true"); r.code != 0 {
			a.t.Fatalf("exec: exit %d: %s", r.code, r.stderr)
		}
		for _, l := range strings.Split(a.report(), "\n") {
			if strings.HasPrefix(l, prefix) && (strings.Contains(l, "myc:[exec]") || strings.Contains(l, "myc:[stage-1]")) {
				return
			}
		}
	}
	a.t.Fatalf("in 200 execs the attacker never caught an exec process:\n%s", a.report())
}

// The engines' way: exec into a running container, again and again,
// while the container hunts for the exec'd runtime process.
func TestCVE2019_5736ExecCannotOverwriteRuntime(t *testing.T) {
	a := newCVE5736(t)
	b := a.bundle("c1", []string{"sh", "-c", attackCmd}, true)
	if r := a.rt("run", "--detach", "--bundle", b, "c1"); r.code != 0 {
		t.Fatalf("run -d: exit %d: %s", r.code, r.stderr)
	}
	a.waitReport("start", func(r string) bool { return strings.Contains(r, "started") })
	a.execUntil("c1", "seen ")
	rep := a.finish()
	protectedLines(t, rep, "myc:[") // [exec], or [stage-1] before it named itself
	if r := a.rt("delete", "--force", "c1"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
}

// A created container's init is the runtime, waiting for `start`: the
// attacker (exec'd into the created container) holds its exe; start
// makes init exec the command, the binary is no longer busy, and the
// write must still fail: EROFS from the read-only bind.
func TestCVE2019_5736CreatedInitCannotOverwriteRuntime(t *testing.T) {
	for _, sealed := range []bool{false, true} {
		name := map[bool]string{false: "read-only-bind", true: "sealed-memfd"}[sealed]
		t.Run(name, func(t *testing.T) {
			if sealed {
				t.Setenv("MYCONTAINER_SEALED_COPY", "1")
			}
			a := newCVE5736(t)
			b := a.bundle("c1", []string{"sleep", "1000"}, true)
			if r := a.rt("create", "--bundle", b, "c1"); r.code != 0 {
				t.Fatalf("create: exit %d: %s", r.code, r.stderr)
			}
			if r := a.rt("exec", "--detach", "c1", "sh", "-c", attackCmd); r.code != 0 {
				t.Fatalf("exec -d: exit %d: %s", r.code, r.stderr)
			}
			a.waitReport("init's exe", func(r string) bool { return strings.Contains(r, "seen 1 myc:[init]") })
			if r := a.rt("start", "c1"); r.code != 0 {
				t.Fatalf("start: exit %d: %s", r.code, r.stderr)
			}
			rep := a.finish()
			protectedLines(t, rep, "myc:[init]")
			want := map[bool]string{false: "write 1 EROFS", true: "write 1 EPERM"}[sealed]
			if !strings.Contains(rep, want) {
				t.Errorf("want %q once init exec'd the command; report:\n%s", want, rep)
			}
			if r := a.rt("delete", "--force", "c1"); r.code != 0 {
				t.Errorf("delete: %s", r.stderr)
			}
		})
	}
}

// Without CAP_SYS_PTRACE the stages' exe does not open at all: they are
// non-dumpable from the constructor on. The kernel also refuses a caller
// whose capabilities are not a superset of the target's, which holds for
// a runtime with every capability; so the first container's runtime runs
// with a bounding set without CAP_SYS_PTRACE (as under an engine that
// drops it), and the attacker, in a second container that joins the
// first one's PID namespace, has every other capability: only
// non-dumpability is left to refuse it the waiting init's exe.
func TestCVE2019_5736StagesAreNotDumpable(t *testing.T) {
	a := newCVE5736(t)
	// Every capability this test itself holds (a sandbox may lack some).
	var allButPtrace []string
	have := ownCapabilities(t)
	for i, c := range spec.AllCapabilities() {
		if c != "CAP_SYS_PTRACE" && have&(1<<i) != 0 {
			allButPtrace = append(allButPtrace, c)
		}
	}
	caps := &specs.LinuxCapabilities{Bounding: allButPtrace, Effective: allButPtrace, Permitted: allButPtrace}
	b1 := a.e.bundle(t, "c1", []string{"sleep", "1000"}, func(s *specs.Spec) { s.Process.Capabilities = caps })
	a.wrap = []string{attacker(t, "drop_bounding"), "19"} // CAP_SYS_PTRACE
	if r := a.rt("create", "--bundle", b1, "c1"); r.code != 0 {
		t.Fatalf("create: exit %d: %s", r.code, r.stderr)
	}
	a.wrap = nil
	var st struct{ Pid int }
	if err := json.Unmarshal([]byte(a.rt("state", "c1").stdout), &st); err != nil || st.Pid == 0 {
		t.Fatalf("state c1: %v", err)
	}
	b2 := a.e.bundle(t, "c2", []string{"sh", "-c", attackCmd}, func(s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/shared", Type: "bind", Source: a.shared, Options: []string{"rbind", "rw"}})
		s.Process.Capabilities = caps
		for i, ns := range s.Linux.Namespaces {
			if ns.Type == specs.PIDNamespace {
				s.Linux.Namespaces[i].Path = fmt.Sprintf("/proc/%d/ns/pid", st.Pid)
			}
		}
	})
	if r := a.rt("run", "--detach", "--bundle", b2, "c2"); r.code != 0 {
		t.Fatalf("run -d c2: exit %d: %s", r.code, r.stderr)
	}
	a.waitReport("init's exe", func(r string) bool { return strings.Contains(r, " 1 myc:[init]") })
	rep := a.finish()
	if !strings.Contains(rep, "denied 1 myc:[init] EACCES") {
		t.Errorf("the waiting init's /proc/1/exe opened without CAP_SYS_PTRACE:\n%s", rep)
	}
	for _, id := range []string{"c2", "c1"} {
		if r := a.rt("delete", "--force", id); r.code != 0 {
			t.Errorf("delete %s: %s", id, r.stderr)
		}
	}
}

// The --init reaper stays the runtime for the container's whole life.
func TestCVE2019_5736InitReaperRunsProtectedCopy(t *testing.T) {
	for _, sealed := range []bool{false, true} {
		name := map[bool]string{false: "read-only-bind", true: "sealed-memfd"}[sealed]
		t.Run(name, func(t *testing.T) {
			if sealed {
				t.Setenv("MYCONTAINER_SEALED_COPY", "1")
			}
			a := newCVE5736(t)
			if err := os.WriteFile(filepath.Join(a.shared, "stop"), nil, 0o644); err != nil {
				t.Fatal(err)
			}
			// CAP_SYS_PTRACE: the guard under test is the protected copy, not
			// the capability or non-dumpability.
			r := runBin(t, a.bin, "run", "--rootfs", rootfs, "--init", "--cap-add", "SYS_PTRACE", "-v", a.shared+":/shared", "--", "sh", "-c", "/shared/exe_overwrite /shared/report /shared/stop 1")
			if r.code != 0 {
				t.Fatalf("run: exit %d: %s", r.code, r.stderr)
			}
			rep := a.report()
			protectedLines(t, rep, "myc:[init]")
			if sealed && !strings.Contains(rep, "seals=15") {
				t.Errorf("want the seals F_SEAL_SEAL|SHRINK|GROW|WRITE (15):\n%s", rep)
			}
			if h := fileHash(t, a.bin); h != a.hash {
				t.Errorf("the runtime binary changed:\n%s", rep)
			}
		})
	}
}

// ownCapabilities is this process's permitted set.
func ownCapabilities(t *testing.T) uint64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "CapPrm:\t"); ok {
			n, err := strconv.ParseUint(v, 16, 64)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatal("no CapPrm in /proc/self/status")
	return 0
}
