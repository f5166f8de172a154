// Package container runs a container and watches over it: it starts the
// nsexec stages, relays the terminal and signals, waits for PID 1 and
// turns whatever happened into an exit code.
package container

import (
	"fmt"
)

// Exit codes of the `run` command, as docker defines them.
const (
	ExitRuntime       = 125 // the runtime itself failed
	ExitNotExecutable = 126 // the command exists but cannot be executed
	ExitNotFound      = 127 // the command does not exist
)

// Error is a failed step, with the exit code the CLI should use.
type Error struct {
	Code int
	Msg  string
	Err  error // the cause, for errors.Is and errors.As; may be nil
}

func (e *Error) Error() string { return e.Msg }

// Unwrap gives the cause.
func (e *Error) Unwrap() error { return e.Err }

// Errorf makes an *Error.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// ExitCode is the code the CLI exits with for this error.
func (e *Error) ExitCode() int { return e.Code }
