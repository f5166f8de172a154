package tests

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The command line as runc users type it (runc's run(8), create(8),
// kill(8) and --version), with mycontainer installed under its own name
// and as runc.

// invocation is one runtime call with a working directory, extra fds
// (fd 3 on) and the binary's path (a symlink named runc, say).
type invocation struct {
	bin   string
	dir   string
	extra []*os.File
}

func (iv invocation) run(t *testing.T, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	bin := iv.bin
	if bin == "" {
		bin = binary
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = iv.dir
	cmd.ExtraFiles = iv.extra
	return runToFiles(t, ctx, cmd, time.Minute)
}

// runcLink is a symlink named runc to the binary under test.
func runcLink(t *testing.T) string {
	t.Helper()
	link := filepath.Join(t.TempDir(), "runc")
	if err := os.Symlink(binary, link); err != nil {
		t.Fatal(err)
	}
	return link
}

// `cd bundle && runtime run ID`: runc's most common call. The bundle is
// the current directory when -b is not given, both with an OCI-only flag
// (-d) and when the binary is runc; a friendly `run ID` beside a
// config.json says how to get the OCI form.
func TestRuncRunBundleFromCwd(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "cwdd", []string{"sleep", "100"}, nil)
	in := invocation{dir: b}
	if r := in.run(t, "--root", e.root, "run", "-d", "cwdd"); r.code != 0 {
		t.Fatalf("run -d in the bundle: exit %d: %s", r.code, r.stderr)
	}
	if s := e.status(t, "cwdd"); s != "running" {
		t.Errorf("after run -d: %s", s)
	}
	if r := e.oci(t, "delete", "--force", "cwdd"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}

	// create takes the bundle from the current directory too.
	if r := in.run(t, "--root", e.root, "create", "cwdc"); r.code != 0 {
		t.Fatalf("create in the bundle: exit %d: %s", r.code, r.stderr)
	}
	if s := e.status(t, "cwdc"); s != "created" {
		t.Errorf("after create: %s", s)
	}
	if r := e.oci(t, "delete", "--force", "cwdc"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}

	// As runc, `run ID` is the OCI run, in the foreground: the process's
	// exit code, and the container deleted afterwards.
	b3 := e.bundle(t, "asrunc", []string{"sh", "-c", "echo from-bundle; exit 3"}, nil)
	r := invocation{bin: runcLink(t), dir: b3}.run(t, "--root", e.root, "run", "asrunc")
	if r.code != 3 || !strings.Contains(r.stdout, "from-bundle") {
		t.Errorf("runc run ID: exit %d, stdout %q, stderr %q; want 3 and from-bundle", r.code, r.stdout, r.stderr)
	}
	if r := e.oci(t, "list", "-q"); strings.TrimSpace(r.stdout) != "" {
		t.Errorf("containers left after the foreground run: %q", r.stdout)
	}

	// The friendly form stays: `run ID` without OCI flags is a command,
	// and here, beside a config.json, the error says what to type.
	r = invocation{dir: b3}.run(t, "--root", e.root, "run", "no-such-cmd-"+marker())
	if r.code != 127 || !strings.Contains(r.stderr, "run --bundle .") {
		t.Errorf("friendly run of a missing command in a bundle: exit %d %q; want 127 and a hint naming run --bundle .", r.code, r.stderr)
	}
	// Mixing the forms is refused with a reason.
	r = invocation{dir: b3}.run(t, "--root", e.root, "run", "--rootfs", rootfs, "-d", "mixed")
	if r.code == 0 || !strings.Contains(r.stderr, "--rootfs") {
		t.Errorf("run --rootfs R -d ID: exit %d %q; want a refusal naming --rootfs", r.code, r.stderr)
	}
}

// -v/--version print runc's format: "NAME version X" then "spec: 1.x".
func TestRuncVersion(t *testing.T) {
	for _, c := range []struct{ bin, name, flag string }{
		{binary, "mycontainer", "-v"}, {binary, "mycontainer", "--version"}, {runcLink(t), "runc", "-v"},
	} {
		r := invocation{bin: c.bin}.run(t, c.flag)
		lines := strings.Split(r.stdout, "\n")
		if r.code != 0 || !strings.HasPrefix(lines[0], c.name+" version ") || !strings.Contains(r.stdout, "\nspec: 1.") {
			t.Errorf("%s %s: exit %d %q %q", c.name, c.flag, r.code, r.stdout, r.stderr)
		}
	}
}

// -h and --help work on every verb, and exit 0.
func TestRuncHelpEveryVerb(t *testing.T) {
	for _, v := range []string{"run", "create", "start", "state", "kill", "delete", "exec", "ps", "list",
		"pause", "resume", "update", "events", "spec", "features"} {
		for _, h := range []string{"-h", "--help"} {
			if r := run(t, v, h); r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
				t.Errorf("%s %s: exit %d %q", v, h, r.code, r.stderr)
			}
		}
	}
}

// kill ID 0 sends nothing and says whether the container is alive.
func TestRuncKillZero(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "k0", []string{"sleep", "100"}, nil)
	if r := e.oci(t, "run", "-d", "-b", b, "k0"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	if r := e.oci(t, "kill", "k0", "0"); r.code != 0 {
		t.Errorf("kill ID 0 of a running container: exit %d %q", r.code, r.stderr)
	}
	if s := e.status(t, "k0"); s != "running" {
		t.Errorf("after kill 0: %s", s)
	}
	if r := e.oci(t, "kill", "k0", "KILL"); r.code != 0 {
		t.Fatalf("kill KILL: %s", r.stderr)
	}
	waitFor(t, "stopped", func() bool { return e.status(t, "k0") == "stopped" })
	if r := e.oci(t, "kill", "k0", "0"); r.code != 1 || !strings.Contains(r.stderr, "not running") {
		t.Errorf("kill ID 0 of a stopped container: exit %d %q; want 1, not running", r.code, r.stderr)
	}
	if r := e.oci(t, "delete", "k0"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
}

// run --keep leaves the stopped container for state and delete.
func TestRuncRunKeep(t *testing.T) {
	e := newOCIEnv(t)
	b := e.bundle(t, "keep", []string{"sh", "-c", "exit 5"}, nil)
	if r := e.oci(t, "run", "--keep", "-b", b, "keep"); r.code != 5 {
		t.Fatalf("run --keep: exit %d %q; want the process's 5", r.code, r.stderr)
	}
	if s := e.status(t, "keep"); s != "stopped" {
		t.Errorf("after run --keep: %s, want stopped", s)
	}
	if r := e.oci(t, "delete", "keep"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
	if d := containerCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
}

// fd leak: --preserve-fds N passes the caller's fds 3 to 3+N-1, and no
// other fd the caller holds reaches the process (CVE-2024-21626 class).
func TestRuncPreserveFdsNoOtherFdLeaks(t *testing.T) {
	e := newOCIEnv(t)
	var files []*os.File
	for _, s := range []string{"three", "four", "leak"} {
		f, err := os.CreateTemp(t.TempDir(), "fd")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.WriteString(s + "\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.Seek(0, 0); err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		files = append(files, f)
	}
	// fd 5 is open in the caller but not asked for. The process writes
	// what it read from 3 and 4 and its own fd list to a bound directory.
	in := invocation{extra: files}
	outDir := t.TempDir()
	script := "(cat <&3; cat <&4; ls /proc/1/fd) >/out/res; true"
	withOut := func(s *specs.Spec) {
		s.Mounts = append(s.Mounts, specs.Mount{Destination: "/out", Type: "bind", Source: outDir, Options: []string{"rbind", "rw"}})
	}
	check := func(what string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(outDir, "res"))
		if err != nil {
			t.Errorf("%s: %v", what, err)
			return
		}
		os.Remove(filepath.Join(outDir, "res"))
		lines := strings.Fields(string(b))
		if len(lines) < 2 || lines[0] != "three" || lines[1] != "four" {
			t.Errorf("%s: fds 3 and 4 read %q, want three and four", what, b)
			return
		}
		fds := lines[2:]
		sort.Strings(fds)
		if strings.Join(fds, " ") != "0 1 2 3 4" {
			t.Errorf("%s: the process has fds %v, want exactly 0 1 2 3 4", what, fds)
		}
	}
	rewind := func() {
		for _, f := range files {
			if _, err := f.Seek(0, 0); err != nil {
				t.Fatal(err)
			}
		}
	}

	b := e.bundle(t, "pfdrun", []string{"sh", "-c", script}, withOut)
	if r := in.run(t, "--root", e.root, "run", "--preserve-fds", "2", "-b", b, "pfdrun"); r.code != 0 {
		t.Fatalf("run --preserve-fds 2: exit %d %q", r.code, r.stderr)
	}
	check("run --preserve-fds 2")

	// create passes them to init, which keeps them until start.
	rewind()
	b = e.bundle(t, "pfdcreate", []string{"sh", "-c", script}, withOut)
	if r := in.run(t, "--root", e.root, "create", "--preserve-fds", "2", "-b", b, "pfdcreate"); r.code != 0 {
		t.Fatalf("create --preserve-fds 2: exit %d %q", r.code, r.stderr)
	}
	if r := e.oci(t, "start", "pfdcreate"); r.code != 0 {
		t.Fatalf("start: %s", r.stderr)
	}
	waitFor(t, "pfdcreate stopped", func() bool { return e.status(t, "pfdcreate") == "stopped" })
	if r := e.oci(t, "delete", "pfdcreate"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
	check("create --preserve-fds 2, start")

	// Without the flag, none of them reaches the process.
	b = e.bundle(t, "pfdnone", []string{"sh", "-c", "(ls /proc/1/fd) >/out/res; true"}, withOut)
	if r := in.run(t, "--root", e.root, "run", "-b", b, "pfdnone"); r.code != 0 {
		t.Fatalf("run: exit %d %q", r.code, r.stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(outDir, "res")); strings.Join(strings.Fields(string(got)), " ") != "0 1 2" {
		t.Errorf("run without --preserve-fds: the process has fds %q, want 0 1 2", got)
	}

	// Socket activation, as runc does it: with $LISTEN_PID the runtime's
	// own PID, the $LISTEN_FDS fds come first and --preserve-fds N after
	// them; the process is told LISTEN_FDS and LISTEN_PID=1.
	rewind()
	b = e.bundle(t, "pfdlisten", []string{"sh", "-c", "(cat <&3; cat <&4; echo listen=$LISTEN_FDS,$LISTEN_PID; ls /proc/1/fd) >/out/res; true"}, withOut)
	sh := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" --root "$1" run --preserve-fds 1 -b "$2" pfdlisten`, binary, e.root, b)
	sh.ExtraFiles = files
	if out, err := sh.CombinedOutput(); err != nil {
		t.Fatalf("run with LISTEN_FDS=1 --preserve-fds 1: %v %s", err, out)
	}
	res, _ := os.ReadFile(filepath.Join(outDir, "res"))
	if got := strings.Join(strings.Fields(string(res)), " "); got != "three four listen=1,1 0 1 2 3 4" {
		t.Errorf("LISTEN_FDS=1 and --preserve-fds 1: the process read and had %q, want three four listen=1,1 and fds 0-4", got)
	}
	os.Remove(filepath.Join(outDir, "res"))

	// A count beyond what the caller passed is refused: fd 6 is not open.
	b = e.bundle(t, "pfdbad", []string{"true"}, nil)
	if r := in.run(t, "--root", e.root, "run", "--preserve-fds", "4", "-b", b, "pfdbad"); r.code != 1 || !strings.Contains(r.stderr, "fd 6 is not open") {
		t.Errorf("--preserve-fds 4 with fds 3-5: exit %d %q; want 1 naming fd 6", r.code, r.stderr)
	}
}
