package cgroups

import (
	"golang.org/x/sys/unix"
)

// Cgroup v2 has no devices.allow: device access is decided by an eBPF
// program of type CGROUP_DEVICE attached to the cgroup. Without one, a
// container with CAP_MKNOD could create and open the host's disks. This
// file assembles that program from the rules; v2_devices_load.go loads
// and attaches it.
//
// The program sees struct bpf_cgroup_dev_ctx { u32 access_type (access <<
// 16 | type); u32 major; u32 minor; } and returns 1 to allow, 0 to deny.
// Rules are checked from the last to the first, so a later rule
// overrides an earlier one, as in the spec (and runc). No match denies.

type bpfInsn struct {
	code uint8
	regs uint8 // dst in the low nibble, src in the high one
	off  int16
	imm  int32
}

const (
	bpfLdxMemW = unix.BPF_LDX | unix.BPF_MEM | unix.BPF_W
	bpfMovReg  = unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_X
	bpfMovImm  = unix.BPF_ALU64 | unix.BPF_MOV | unix.BPF_K
	bpfAndImm  = unix.BPF_ALU64 | unix.BPF_AND | unix.BPF_K
	bpfRshImm  = unix.BPF_ALU64 | unix.BPF_RSH | unix.BPF_K
	bpfJneImm  = unix.BPF_JMP | unix.BPF_JNE | unix.BPF_K
	bpfExit    = unix.BPF_JMP | unix.BPF_EXIT
	regCtx     = 1
	regType    = 2
	regAccess  = 3
	regMajor   = 4
	regMinor   = 5
	regScratch = 6
	devAccAll  = unix.BPF_DEVCG_ACC_MKNOD | unix.BPF_DEVCG_ACC_READ | unix.BPF_DEVCG_ACC_WRITE
)

func insn(code uint8, dst, src uint8, off int16, imm int32) bpfInsn {
	return bpfInsn{code: code, regs: dst | src<<4, off: off, imm: imm}
}

// bpfRule is one allow/deny rule in the program's terms; -1 is "any".
type bpfRule struct {
	allow        bool
	typ          int32 // BPF_DEVCG_DEV_*, or -1 for "a"
	major, minor int64
	access       int32 // BPF_DEVCG_ACC_* bits
}

// parseAccess turns "rwm" letters into BPF_DEVCG_ACC_* bits; "" is all.
func parseAccess(s string) int32 {
	if s == "" {
		return devAccAll
	}
	var a int32
	for _, c := range s {
		switch c {
		case 'm':
			a |= unix.BPF_DEVCG_ACC_MKNOD
		case 'r':
			a |= unix.BPF_DEVCG_ACC_READ
		case 'w':
			a |= unix.BPF_DEVCG_ACC_WRITE
		}
	}
	return a
}

// bpfRules translates the rules, in order.
func bpfRules(rules []DeviceRule) []bpfRule {
	out := make([]bpfRule, 0, len(rules))
	for _, r := range rules {
		b := bpfRule{allow: r.Allow, typ: -1, major: r.Major, minor: r.Minor, access: parseAccess(r.Access)}
		switch r.Type {
		case 'b':
			b.typ = unix.BPF_DEVCG_DEV_BLOCK
		case 'c':
			b.typ = unix.BPF_DEVCG_DEV_CHAR
		}
		out = append(out, b)
	}
	return out
}

// deviceProgram assembles the filter.
func deviceProgram(rules []bpfRule) []bpfInsn {
	p := []bpfInsn{
		insn(bpfLdxMemW, regType, regCtx, 0, 0),
		insn(bpfMovReg, regAccess, regType, 0, 0),
		insn(bpfAndImm, regType, 0, 0, 0xffff),
		insn(bpfRshImm, regAccess, 0, 0, 16),
		insn(bpfLdxMemW, regMajor, regCtx, 4, 0),
		insn(bpfLdxMemW, regMinor, regCtx, 8, 0),
	}
	for i := len(rules) - 1; i >= 0; i-- {
		r := rules[i]
		var checks []bpfInsn // each is a "jump to the next rule unless it matches"
		if r.typ >= 0 {
			checks = append(checks, insn(bpfJneImm, regType, 0, 0, r.typ))
		}
		if r.access != devAccAll {
			// The access asked for must be within the rule's.
			checks = append(checks, insn(bpfMovReg, regScratch, regAccess, 0, 0),
				insn(bpfAndImm, regScratch, 0, 0, ^r.access&devAccAll),
				insn(bpfJneImm, regScratch, 0, 0, 0))
		}
		if r.major >= 0 {
			checks = append(checks, insn(bpfJneImm, regMajor, 0, 0, int32(r.major)))
		}
		if r.minor >= 0 {
			checks = append(checks, insn(bpfJneImm, regMinor, 0, 0, int32(r.minor)))
		}
		verdict := int32(0)
		if r.allow {
			verdict = 1
		}
		block := append(checks, insn(bpfMovImm, 0, 0, 0, verdict), insn(bpfExit, 0, 0, 0, 0))
		// A failed check jumps past the rest of this rule's block.
		for j := range checks {
			if checks[j].code == bpfJneImm {
				block[j].off = int16(len(block) - j - 1)
			}
		}
		p = append(p, block...)
		if len(checks) == 0 {
			// It matches every access: the rules before it can never be
			// reached, and the verifier refuses unreachable code.
			return p
		}
	}
	return append(p, insn(bpfMovImm, 0, 0, 0, 0), insn(bpfExit, 0, 0, 0, 0))
}
