package container

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"

	"mycontainer/state"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// hookState is the spec's state JSON that hooks read on stdin.
func hookState(st *state.State, status state.Status) []byte {
	b, _ := json.Marshal(specs.State{Version: specs.Version, ID: st.ID, Status: specs.ContainerState(status),
		Pid: st.Pid, Bundle: st.Bundle, Annotations: st.Annotations}) // cannot fail for this type
	return b
}

// runRuntimeHooks runs hooks in the runtime's own namespaces, stopping
// at the first failure: for prestart and createRuntime the spec makes a
// failing hook fail the create.
func runRuntimeHooks(kind string, hooks []specs.Hook, in []byte) error {
	for i, h := range hooks {
		if err := runHook(kind, i, h, in); err != nil {
			return err
		}
	}
	return nil
}

// warnRuntimeHooks runs every hook even when some fail. config.md, for
// poststart and poststop: if a hook fails, the runtime MUST log a warning,
// and the remaining hooks and the lifecycle continue as if it had
// succeeded.
func warnRuntimeHooks(kind string, hooks []specs.Hook, st *state.State, status state.Status, warn func(string, ...any)) {
	in := hookState(st, status)
	for i, h := range hooks {
		if err := runHook(kind, i, h, in); err != nil {
			warn("%v (the spec says carry on: the remaining %s hooks still run)", err, kind)
		}
	}
}

// runHook runs hook i of kind with the state on its stdin, bounded by its
// timeout.
func runHook(kind string, i int, h specs.Hook, in []byte) error {
	return runHookWith(kind, i, h, in, nil)
}

// runHookWith is runHook with the hook's clone attributes (attr: nil, or
// CLONE_INTO_CGROUP, hooks_cgroup.go).
func runHookWith(kind string, i int, h specs.Hook, in []byte, attr *syscall.SysProcAttr) error {
	ctx := context.Background()
	if h.Timeout != nil && *h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, h.Path)
	if len(h.Args) > 0 {
		cmd.Args = h.Args
	}
	cmd.Env = h.Env
	cmd.SysProcAttr = attr
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s hook %d (%s): %w: %s", kind, i, h.Path, err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// sendConsole hands the pty master to the engine's --console-socket with
// SCM_RIGHTS, as runc does; the engine (conmon, the shim) relays it.
// (Raw syscalls rather than package net, whose init every process of the
// binary would pay for.)
func sendConsole(path string, master int) error {
	defer unix.Close(master)
	sock, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("console socket: %w", err)
	}
	defer unix.Close(sock)
	if err := unix.Connect(sock, &unix.SockaddrUnix{Name: path}); err != nil {
		return fmt.Errorf("connect to console socket %s: %w", path, err)
	}
	if err := unix.Sendmsg(sock, []byte("/dev/ptmx"), unix.UnixRights(master), nil, 0); err != nil {
		return fmt.Errorf("send pty to console socket %s: %w", path, err)
	}
	return nil
}
