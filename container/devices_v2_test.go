package container

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The verifier refuses jumps out of the program and unreachable code: every
// jump must land inside, and a rule matching everything must end it.
func TestDeviceProgramShape(t *testing.T) {
	for name, rules := range map[string][]specs.LinuxDeviceCgroup{
		"none":     nil,
		"deny all": {{Allow: false, Access: "rwm"}},
		"mixed":    {{Allow: false, Access: "rwm"}, {Allow: true, Type: "c", Major: ptr(1), Minor: ptr(3), Access: "rw"}},
	} {
		p := deviceProgram(v2DeviceRules(rules))
		for i, in := range p {
			if in.code == bpfJneImm && (i+1+int(in.off) >= len(p) || in.off <= 0) {
				t.Errorf("%s: jump at %d lands at %d of %d", name, i, i+1+int(in.off), len(p))
			}
		}
		if last := p[len(p)-1]; last.code != bpfExit {
			t.Errorf("%s: does not end with exit", name)
		}
	}
	// The defaults come after the spec's rules, so they are checked first
	// and cannot be denied away; the "deny all" before them ends the program.
	p := deviceProgram(v2DeviceRules([]specs.LinuxDeviceCgroup{{Allow: false, Access: "rwm"}}))
	if p[len(p)-2].code != bpfMovImm || p[len(p)-2].imm != 0 {
		t.Errorf("deny-all must end in r0 = 0")
	}
}

func ptr(v int64) *int64 { return &v }
