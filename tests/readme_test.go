package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// README: "With the OCI verbs (mycontainer --debug run --bundle B ID,
// create) the same lines go to the log as debug lines", in both formats.
func TestOCIDebugLinesInLog(t *testing.T) {
	e := newOCIEnv(t)
	for _, format := range []string{"text", "json"} {
		log := filepath.Join(t.TempDir(), "log")
		b := e.bundle(t, "dbg-"+format, []string{"true"}, nil)
		r := e.oci(t, "--log", log, "--log-format", format, "--debug", "run", "--bundle", b, "dbg-"+format)
		if r.code != 0 {
			t.Fatalf("%s: exit %d %s", format, r.code, r.stderr)
		}
		got, err := os.ReadFile(log)
		if err != nil {
			t.Fatal(err)
		}
		var debug []string
		for _, l := range strings.Split(strings.TrimSpace(string(got)), "\n") {
			if format == "json" {
				var rec struct{ Level, Msg string }
				if err := json.Unmarshal([]byte(l), &rec); err != nil {
					t.Errorf("json log line %q: %v", l, err)
				}
				if rec.Level == "debug" {
					debug = append(debug, rec.Msg)
				}
			} else if strings.Contains(l, "debug") {
				debug = append(debug, l)
			}
		}
		// The config load, and steps of every stage: clone from stage-1,
		// pivot_root from C in init, /proc from the Go init.
		all := strings.Join(debug, "\n")
		for _, step := range []string{"load config.json", "clone", "pivot_root", "/proc"} {
			if !strings.Contains(all, step) {
				t.Errorf("%s: no debug line for %q in the log:\n%s", format, step, got)
			}
		}
		if strings.Contains(r.stderr, "clone") {
			t.Errorf("%s: debug lines went to stderr, not the log: %q", format, r.stderr)
		}
	}
}

// README: list [--format json] [-q] and ps [--format json] ID, "runc's
// JSON and tables".
func TestOCIListAndPs(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "lst", []string{"sleep", "100"}, nil)
	if r := e.oci(t, "create", "--bundle", b, "lst"); r.code != 0 {
		t.Fatalf("create: %d %s", r.code, r.stderr)
	}
	defer e.oci(t, "delete", "--force", "lst")
	pid := ociPid(t, e, "lst")

	r := e.oci(t, "list", "--format", "json")
	var list []struct {
		ID     string `json:"id"`
		Pid    int    `json:"pid"`
		Status string `json:"status"`
		Bundle string `json:"bundle"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || r.code != 0 {
		t.Fatalf("list --format json: %v, exit %d, %q %q", err, r.code, r.stdout, r.stderr)
	}
	if len(list) != 1 || list[0].ID != "lst" || list[0].Pid != pid || list[0].Status != "created" || list[0].Bundle != b {
		t.Errorf("list --format json: %+v, want lst, pid %d, created, bundle %s", list, pid, b)
	}
	r = e.oci(t, "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "ID") || !strings.Contains(lines[0], "STATUS") ||
		strings.Fields(lines[1])[0] != "lst" || !strings.Contains(lines[1], strconv.Itoa(pid)) || !strings.Contains(lines[1], "created") {
		t.Errorf("list table:\n%s", r.stdout)
	}
	if r := e.oci(t, "list", "-q"); r.stdout != "lst\n" {
		t.Errorf("list -q: %q", r.stdout)
	}

	r = e.oci(t, "ps", "lst")
	lines = strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 || len(lines) < 2 || !strings.Contains(lines[0], "PID") {
		t.Fatalf("ps: exit %d %q %q", r.code, r.stdout, r.stderr)
	}
	found := false
	for _, l := range lines[1:] {
		for _, f := range strings.Fields(l) {
			found = found || f == strconv.Itoa(pid)
		}
	}
	if !found {
		t.Errorf("ps does not list init %d:\n%s", pid, r.stdout)
	}
	r = e.oci(t, "ps", "--format", "json", "lst")
	var pids []int
	if err := json.Unmarshal([]byte(r.stdout), &pids); err != nil || len(pids) != 1 || pids[0] != pid {
		t.Errorf("ps --format json: %q (%v), want [%d]", r.stdout, err, pid)
	}
}

// README: events prints stats as JSON lines, and (runc's shape) an
// "oom" event when the kernel's OOM killer strikes in the container.
func TestOCIEventsOOM(t *testing.T) {
	e := newOCIEnv(t)
	limit := int64(32 << 20)
	b := e.bundle(t, "oom", []string{"sleep", "100"}, func(s *specs.Spec) {
		s.Linux.Resources = &specs.LinuxResources{Memory: &specs.LinuxMemory{Limit: &limit, Swap: &limit}}
	})
	if r := e.oci(t, "run", "--detach", "--bundle", b, "oom"); r.code != 0 {
		t.Fatalf("run -d: %d %s", r.code, r.stderr)
	}
	defer e.oci(t, "delete", "--force", "oom")
	out, err := os.Create(filepath.Join(t.TempDir(), "events"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	ev := exec.Command(binary, "--root", e.root, "events", "--interval", "100ms", "oom")
	ev.Stdout, ev.Stderr = out, out
	if err := ev.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ev.Process.Kill(); _ = ev.Wait() }()
	waitFor(t, "the first stats event", func() bool {
		b, _ := os.ReadFile(out.Name())
		return strings.Contains(string(b), `"type":"stats"`)
	})
	if got, _ := os.ReadFile(out.Name()); strings.Contains(string(got), `"type":"oom"`) {
		t.Fatalf("an oom event before any OOM:\n%s", got)
	}
	// A hog in the container's cgroup; the OOM killer ends it.
	if r := e.oci(t, "exec", "oom", "tail", "/dev/zero"); r.code == 0 {
		t.Errorf("the hog: exit 0, want killed (%s)", r.stderr)
	}
	waitFor(t, "an oom event", func() bool {
		b, _ := os.ReadFile(out.Name())
		return strings.Contains(string(b), `{"type":"oom","id":"oom"}`)
	})
}

// README: --systemd-cgroup is refused with a clear error rather than
// ignored. (--preserve-fds is honoured: runc_test.go.)
func TestOCIRefusesUnsupportedFlags(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "ref", []string{"true"}, nil)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--systemd-cgroup", "create", "--bundle", b, "ref"}, "--systemd-cgroup is not supported"},
	} {
		r := e.oci(t, c.args...)
		if r.code != 1 || !strings.Contains(r.stderr, c.want) {
			t.Errorf("%v: exit %d %q, want 1 and %q", c.args, r.code, r.stderr, c.want)
		}
		if r := e.oci(t, "list", "-q"); strings.TrimSpace(r.stdout) != "" {
			t.Errorf("%v: a container was made: %q", c.args, r.stdout)
			e.oci(t, "delete", "--force", "ref")
		}
	}
}

// README: --cgroup-parent defaults to mycontainer; the container's cgroup
// is PATH/run-<pid>-<start>. (The suite names a parent of its own in
// MYCONTAINER_CGROUP_PARENT; this run goes without it.)
func TestDefaultCgroupParent(t *testing.T) {
	cmd := exec.Command(binary, "run", "--rootfs", rootfs, "--", "sh", "-c", "echo ready; read x; true")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MYCONTAINER_CGROUP_PARENT=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		in.Close()
		if err := cmd.Wait(); err != nil {
			t.Errorf("run: %v", err)
		}
	}()
	buf := make([]byte, 6)
	if _, err := stdout.Read(buf); err != nil || string(buf) != "ready\n" {
		t.Fatalf("container: %q %v", buf, err)
	}
	init := containerInit(t, cmd.Process.Pid)
	cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", init))
	if err != nil {
		t.Fatal(err)
	}
	// The pids controller's line: its own v1 hierarchy, or the v2 one.
	want := fmt.Sprintf("/mycontainer/run-%d-", cmd.Process.Pid)
	found := false
	for _, l := range strings.Split(strings.TrimSpace(string(cg)), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) == 3 && (f[1] == "pids" || f[0] == "0" && !strings.Contains(string(cg), ":pids:")) {
			found = true
			if !strings.HasPrefix(f[2], want) {
				t.Errorf("init's cgroup %q, want %s<start>", l, want)
			}
		}
	}
	if !found {
		t.Errorf("no pids cgroup in /proc/%d/cgroup:\n%s", init, cg)
	}
}

// README: 127 for a command whose file exists but whose #! interpreter is
// missing from the rootfs, with a hint that says so.
func TestMissingInterpreterHint(t *testing.T) {
	root := minimalRootfs(t)
	if err := os.WriteFile(filepath.Join(root, "bin/script"), []byte("#!/nonexistent/interp\necho hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := run(t, "run", "--rootfs", root, "--", "/bin/script")
	if r.code != 127 || !strings.Contains(r.stderr, "interpreter") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("exit %d %q, want 127 and one line naming the interpreter", r.code, r.stderr)
	}
}

// README: the caller's terminal "is restored afterwards, on every exit
// path": the command missing (127), not executable (126), and a start-up
// error after the terminal went raw (a working directory that is a file).
// The command is resolved before the pty exists, so 127 and 126 end
// before the terminal goes raw; the working directory is entered after,
// and that case fails when the restore is dropped (checked by mutation).
func TestTTYRestoredOnErrors(t *testing.T) {
	root := minimalRootfs(t)
	if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/noexec"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"--", "/bin/nope"}, 127},
		{[]string{"--", "/bin/noexec"}, 126},
		{[]string{"-w", "/file", "--", "true"}, 125},
	} {
		master, slave := ptyPair(t)
		before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(binary, append([]string{"run", "--rootfs", root, "--tty"}, c.args...)...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		newTerminal(master) // drains the output
		if code := exitCode(t, cmd.Wait()); code != c.code {
			t.Errorf("%v: exit %d, want %d", c.args, code, c.code)
		}
		after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if *after != *before {
			t.Errorf("%v: terminal mode not restored:\nbefore %+v\nafter  %+v", c.args, before, after)
		}
		master.Close()
		slave.Close()
	}
}
