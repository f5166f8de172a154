package state

import (
	"fmt"
)

const maxIDLen = 1024

// ValidID applies runc's rule for container IDs: ^[\w+\-.]+$, not "." or
// "..", at most 1024 bytes. The ID becomes a directory name under the
// root, so this is also what keeps IDs from escaping it.
func ValidID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("invalid container id: empty")
	case len(id) > maxIDLen:
		return fmt.Errorf("invalid container id: longer than %d bytes", maxIDLen)
	case id == "." || id == "..":
		return fmt.Errorf("invalid container id %q", id)
	}
	for i := 0; i < len(id); i++ {
		if !idByte(id[i]) {
			return fmt.Errorf("invalid container id %q: character %q not allowed (only letters, digits, '_', '+', '-', '.')", id, id[i])
		}
	}
	return nil
}

// idByte is \w (ASCII letters, digits, '_') plus '+', '-' and '.'.
// A byte loop rather than a regexp keeps this cheap on every command.
func idByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '_' || c == '+' || c == '-' || c == '.'
}
