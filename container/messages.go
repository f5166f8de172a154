package container

import (
	"errors"
	"syscall"

	"mycontainer/nsexec"
)

// Decoding of the frames the container's stages send to the parent.

func attrU32(attrs []nsexec.Attr, typ uint32) (uint32, error) {
	for _, a := range attrs {
		if a.Type == typ {
			return a.U32()
		}
	}
	return 0, errors.New("attribute missing")
}

func decodeLog(attrs []nsexec.Attr) (name string, start, end uint64) {
	for _, a := range attrs {
		switch a.Type {
		case nsexec.LStep:
			name = a.String()
		case nsexec.LStart:
			start, _ = a.U64()
		case nsexec.LEnd:
			end, _ = a.U64()
		}
	}
	return name, start, end
}

// decodeError turns an error frame into one line: step, path, why, hint.
func decodeError(attrs []nsexec.Attr) *Error {
	var stepName, path string
	var hints []string
	var errno uint32
	code := uint32(ExitRuntime)
	for _, a := range attrs {
		switch a.Type {
		case nsexec.LStep:
			stepName = a.String()
		case nsexec.LPath:
			path = a.String()
		case nsexec.LErrno:
			errno, _ = a.U32()
		case nsexec.LExit:
			// A failure never exits 0, whatever a stage sent.
			if c, err := a.U32(); err == nil && c != 0 {
				code = c
			}
		case nsexec.LHint:
			hints = append(hints, a.String())
		}
	}
	msg := stepName
	if path != "" {
		msg += " " + path
	}
	// The reason is the errno's text; a stage that had no errno sends its
	// reason as the first hint instead.
	switch {
	case errno != 0:
		msg += ": " + syscall.Errno(errno).Error()
	case len(hints) > 0:
		msg += ": " + hints[0]
		hints = hints[1:]
	}
	for _, h := range hints {
		msg += " (" + h + ")"
	}
	e := &Error{Code: int(code), Msg: msg}
	if errno != 0 {
		// The stage's errno is the cause: errors.Is(err, unix.EPERM) works.
		e.Err = syscall.Errno(errno)
	}
	return e
}
