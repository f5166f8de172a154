package state

import (
	"strings"
	"testing"
)

func TestValidID(t *testing.T) {
	good := []string{"a", "A-b_c.d+e", "0123", "a..b", "a+b", strings.Repeat("x", 200)}
	bad := []string{"", ".", "..", "...", ".hidden", "-rm", "a/b", "../x", "/abs", "a b", "a\x00b", "é", "a:b", "a\nb", strings.Repeat("x", 201), strings.Repeat("x", 1024)}
	for _, id := range good {
		if err := ValidID(id); err != nil {
			t.Errorf("ValidID(%.20q) = %v, want ok", id, err)
		}
	}
	for _, id := range bad {
		err := ValidID(id)
		if err == nil {
			t.Errorf("ValidID(%.20q) = nil, want error", id)
			continue
		}
		if !strings.Contains(err.Error(), "invalid container id") || !strings.Contains(err.Error(), NameRule) {
			t.Errorf("ValidID(%.20q) error %q is not clear", id, err)
		}
	}
}
