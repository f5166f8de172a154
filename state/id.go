package state

import (
	"fmt"
)

// MaxIDLen leaves room within NAME_MAX (255) for a prefix or suffix an
// engine or a cgroup driver may add to a name.
const MaxIDLen = 200

// NameRule is the one rule for container IDs and the cgroup names made
// from them, as errors state it.
const NameRule = "1 to 200 bytes of letters, digits, '_', '+', '-' and '.', not starting with '.' or '-'"

// ValidID applies NameRule to a container ID. The ID names a directory in
// the state root and, without linux.cgroupsPath, the container's cgroup:
// an ID one accepts and the other refuses made create fail half-way. The
// rule keeps the name a single path component that cannot be "." or
// "..", hide as a dot file, pass for a command-line flag, or escape the
// root.
func ValidID(id string) error { return CheckName("container id", id) }

// CheckName applies NameRule; what says what the name is, for the error.
func CheckName(what, s string) error {
	why := ""
	switch {
	case s == "":
		why = "empty"
	case len(s) > MaxIDLen:
		why = fmt.Sprintf("%d bytes long", len(s))
	case s[0] == '.' || s[0] == '-':
		why = fmt.Sprintf("starts with %q", s[0])
	default:
		for i := 0; i < len(s); i++ {
			if !nameByte(s[i]) {
				why = fmt.Sprintf("character %q not allowed", s[i])
				break
			}
		}
	}
	if why == "" {
		return nil
	}
	return fmt.Errorf("invalid %s %.64q: %s (want %s)", what, s, why, NameRule)
}

// nameByte is \w (ASCII letters, digits, '_') plus '+', '-' and '.'.
// A byte loop rather than a regexp keeps this cheap on every command.
func nameByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '_' || c == '+' || c == '-' || c == '.'
}
