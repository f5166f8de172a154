package cgroups

import (
	"fmt"
	"testing"

	"golang.org/x/sys/unix"
)

// The verifier refuses jumps out of the program and unreachable code: every
// jump must land inside, and a rule matching everything must end it.
func TestDeviceProgramShape(t *testing.T) {
	for name, rules := range map[string][]DeviceRule{
		"none":     nil,
		"deny all": {{Allow: false, Type: 'a', Major: AnyDevice, Minor: AnyDevice, Access: "rwm"}},
		"mixed": {{Allow: false, Type: 'a', Major: AnyDevice, Minor: AnyDevice, Access: "rwm"},
			{Allow: true, Type: 'c', Major: 1, Minor: 3, Access: "rw"}},
	} {
		p := deviceProgram(bpfRules(append(rules, DefaultDeviceRules...)))
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
	p := deviceProgram(bpfRules(append([]DeviceRule{{Allow: false, Type: 'a', Major: AnyDevice, Minor: AnyDevice, Access: "rwm"}}, DefaultDeviceRules...)))
	if p[len(p)-2].code != bpfMovImm || p[len(p)-2].imm != 0 {
		t.Errorf("deny-all must end in r0 = 0")
	}
}

// SetDevices attaches one program, built from the rules and then the
// defaults, to the container's own directory.
func TestV2SetDevicesAttachesToTheLeaf(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{})
	var dirs []string
	var got []bpfInsn
	m.attachDevices = func(dir string, prog []bpfInsn) error {
		dirs, got = append(dirs, dir), prog
		return nil
	}
	if err := m.SetDevices(nil); err != nil || len(dirs) != 0 {
		t.Fatalf("no rules: err %v, attached to %v; want nothing done", err, dirs)
	}
	rules := []DeviceRule{{Allow: false, Type: 'a', Major: AnyDevice, Minor: AnyDevice}}
	if err := m.SetDevices(rules); err != nil {
		t.Fatal(err)
	}
	wantList(t, "attached to", dirs, []string{m.Path()})
	want := deviceProgram(bpfRules(append(rules, DefaultDeviceRules...)))
	if len(got) != len(want) {
		t.Fatalf("program of %d instructions, want %d", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("instruction %d is %+v, want %+v", i, got[i], want[i])
		}
	}
	if len(rules) != 1 {
		t.Errorf("SetDevices changed the caller's slice")
	}
}

func TestV2SetDevicesErrorNamesStep(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{})
	m.attachDevices = func(dir string, prog []bpfInsn) error {
		return fmt.Errorf("load the device filter (bpf BPF_PROG_LOAD): %w: ", unix.EPERM)
	}
	err := m.SetDevices([]DeviceRule{{Allow: true, Type: 'c', Major: 1, Minor: 3, Access: "rwm"}})
	wantErr(t, err, "cgroups: set devices: load the device filter", "operation not permitted", "CAP_SYS_ADMIN")
}
