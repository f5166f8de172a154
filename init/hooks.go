package containerinit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// runHooks runs each hook in order, as the OCI spec says: the state JSON
// on stdin, exactly the hook's args (args[0] included) and env (an empty
// env stays empty, never init's own), and the first failure stops the
// container. A hook that outlives its timeout is killed; the error names
// the kind, index and path and carries the hook's stderr, because a bare
// "exit status 1" from a hook is undebuggable.
func runHooks(kind string, hooks []Hook, state []byte) error {
	for i, h := range hooks {
		if err := runHook(h, state); err != nil {
			return fmt.Errorf("%s hook %d (%s): %w", kind, i, h.Path, err)
		}
	}
	return nil
}

// hookWaitDelay bounds how long Wait waits for a killed hook's children
// that still hold its stderr open.
const hookWaitDelay = 2 * time.Second

func runHook(h Hook, state []byte) error {
	ctx := context.Background()
	if h.Timeout < 0 {
		return fmt.Errorf("timeout %d: must not be negative", h.Timeout)
	}
	if h.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Duration(h.Timeout)*time.Second)
		defer cancel()
	}
	cmd := exec.CommandContext(ctx, h.Path)
	if len(h.Args) > 0 {
		cmd.Args = h.Args
	}
	cmd.Env = append([]string{}, h.Env...)
	cmd.Stdin = bytes.NewReader(state)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	// Its own process group, so a timeout kills what the hook started
	// too; the group id is the hook's PID, which stays ours until Wait
	// reaps it, so the kill cannot hit a recycled PID. Pdeathsig: a hook
	// must not outlive init.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = hookWaitDelay
	err := cmd.Run()
	if err == nil {
		return nil
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		err = fmt.Errorf("timed out after %ds and was killed", h.Timeout)
	}
	if msg := strings.TrimSpace(stderr.String()); msg != "" {
		return fmt.Errorf("%w: %s", err, msg)
	}
	return err
}
