// Package container runs a container and watches over it: it starts the
// nsexec stages, relays the terminal and signals, waits for PID 1 and
// turns whatever happened into an exit code.
package container

import (
	"errors"
	"fmt"

	"mycontainer/nsexec"
)

// Exit codes of the `run` command, as docker defines them. They are
// proto.h's, which the C stages and init use too.
const (
	ExitRuntime       = nsexec.ExitRuntime       // the runtime itself failed
	ExitNotExecutable = nsexec.ExitNotExecutable // the command exists but cannot be executed
	ExitNotFound      = nsexec.ExitNotFound      // the command does not exist
)

// Error is a failed step, with the exit code the CLI should use. It keeps
// its cause, so errors.Is and errors.As see through it (a missing
// container's state.ErrNotExist, an errno).
type Error struct {
	Code int
	Msg  string
	Err  error // the cause, or nil
}

func (e *Error) Error() string { return e.Msg }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an *Error; a %w verb in format makes its operand the cause.
func Errorf(code int, format string, args ...any) *Error {
	w := fmt.Errorf(format, args...)
	cause := errors.Unwrap(w)
	if _, several := w.(interface{ Unwrap() []error }); several {
		cause = w // several %w: keep them all, errors.Is walks the list
	}
	return &Error{Code: code, Msg: w.Error(), Err: cause}
}

// ExitCode is the code the CLI exits with for this error.
func (e *Error) ExitCode() int { return e.Code }
