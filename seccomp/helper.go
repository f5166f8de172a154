package seccomp

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Compiling a profile needs libseccomp, and linking libseccomp costs every
// process of this binary: its Go package's init probes the kernel with a
// handful of seccomp(2) calls and touches the library's pages, in the CLI
// and in each container's init (the same binary, re-executed). On this
// project's VM a static binary that links it took 0.5 ms more CPU and 4
// more page faults to start. The runtime needs it only on a compile-cache
// miss, so compiling lives in the helper mycontainer-seccomp beside the
// runtime (cmd/mycontainer-seccomp, package seccomp/compile): it reads the
// profile as JSON on stdin and writes a Reply (wire.go) on stdout. It runs
// on the host, in the runtime's parent, before any container process
// exists, with the profile as its only input; nothing of it reaches a
// container.

// HelperEnv names the helper binary instead of the one beside the runtime.
const HelperEnv = "MYCONTAINER_SECCOMP_HELPER"

// Helper is the path of mycontainer-seccomp: beside the running binary, or
// $MYCONTAINER_SECCOMP_HELPER.
func Helper() (string, error) {
	if h := os.Getenv(HelperEnv); h != "" {
		if _, err := os.Stat(h); err != nil {
			return "", fmt.Errorf("%s: compiling the profile needs the helper %s=%s: %w (make build makes mycontainer-seccomp)", path, HelperEnv, h, err)
		}
		return h, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", fmt.Errorf("%s: finding the helper mycontainer-seccomp: %w", path, err)
	}
	h := filepath.Join(filepath.Dir(exe), "mycontainer-seccomp")
	if _, err := os.Stat(h); err != nil {
		return "", fmt.Errorf("%s: compiling the profile needs mycontainer-seccomp beside %s (make build makes it): %w", path, exe, err)
	}
	return h, nil
}

// helperBuildID is the helper's build ID, read from its file once (no
// exec), or nil when there is no helper to read. The compile cache keeps
// the ID of the helper that made each program, so a program made by an
// older helper is made again (cache.go).
var helperBuildID = sync.OnceValue(func() []byte {
	h, err := Helper()
	if err != nil {
		return nil
	}
	id, err := fileBuildID(h)
	if err != nil {
		return nil
	}
	return id
})

// compileProfile makes the program for a profile; a var so the unit tests
// of this package compile in their own process (compile_hook_test.go).
var compileProfile = runHelper

// Compile turns an OCI seccomp profile into a classic BPF program with the
// helper, ready for Load. A nil profile gives a nil program.
func Compile(s *specs.LinuxSeccomp) ([]byte, uint, error) {
	r, err := CompileReport(s)
	return r.Prog, r.Flags, err
}

// CompileReport is Compile, with the syscall names the helper's libseccomp
// does not know (skipped, not fatal: see package compile).
func CompileReport(s *specs.LinuxSeccomp) (Reply, error) {
	if s == nil {
		return Reply{}, nil
	}
	return compileProfile(s)
}

// runHelper runs mycontainer-seccomp compile on s. An error in the profile
// comes back as the helper's one line, which names its JSON path
// (linux.seccomp...) as the compiler did in the runtime; anything else
// names the helper and the step.
func runHelper(s *specs.LinuxSeccomp) (Reply, error) {
	h, err := Helper()
	if err != nil {
		return Reply{}, err
	}
	in, err := json.Marshal(s)
	if err != nil {
		return Reply{}, fmt.Errorf("%s: encoding the profile for %s: %w", path, h, err)
	}
	var out, stderr bytes.Buffer
	cmd := exec.Command(h, "compile")
	cmd.Stdin = bytes.NewReader(in)
	cmd.Stdout = &limited{w: &out, n: maxReply}
	cmd.Stderr = &limited{w: &stderr, n: 64 << 10}
	cmd.Env = []string{} // it needs nothing of the runtime's environment
	err = cmd.Run()
	msg := strings.TrimSpace(stderr.String())
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.ExitCode() == 1 && strings.HasPrefix(msg, path) && !strings.Contains(msg, "\n") {
		return Reply{}, errors.New(msg)
	}
	if err != nil {
		if msg != "" {
			err = fmt.Errorf("%w: %s", err, msg)
		}
		return Reply{}, fmt.Errorf("%s: compiling the profile with %s: %w", path, h, err)
	}
	r, err := DecodeReply(out.Bytes())
	if err != nil {
		return Reply{}, fmt.Errorf("%s: reading the program from %s: %w", path, h, err)
	}
	if r.Prog == nil {
		return Reply{}, fmt.Errorf("%s: %s sent an empty program", path, h)
	}
	return r, nil
}

// limited keeps at most n bytes and fails the write past them, so a
// helper gone wrong cannot fill the runtime's memory.
type limited struct {
	w io.Writer
	n int
}

func (l *limited) Write(p []byte) (int, error) {
	if len(p) > l.n {
		return 0, errors.New("output too long")
	}
	l.n -= len(p)
	return l.w.Write(p)
}

// LibraryVersion is the helper's libseccomp version ("2.5.4"), for
// `--version`; the helper is asked, because the runtime does not link it.
func LibraryVersion() (string, error) {
	h, err := Helper()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(h, "version")
	cmd.Env = []string{}
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("%s version: %w", h, err)
	}
	return strings.TrimSpace(string(out)), nil
}
