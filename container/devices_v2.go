package container

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"unsafe"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Cgroup v2 has no devices.allow: device access is decided by an eBPF
// program of type CGROUP_DEVICE attached to the cgroup. Without one, a
// container with CAP_MKNOD could create and open the host's disks. This
// file assembles that program from the spec's rules (plus the defaults
// every container keeps), loads it and attaches it.
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

// deviceRule is one allow/deny rule in the program's terms; -1 is "any".
type deviceRule struct {
	allow        bool
	typ          int32 // BPF_DEVCG_DEV_*, or -1 for "a"
	major, minor int64
	access       int32 // BPF_DEVCG_ACC_* bits
}

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

// v2DeviceRules is the spec's rules followed by the defaults.
func v2DeviceRules(r []specs.LinuxDeviceCgroup) []deviceRule {
	var out []deviceRule
	add := func(allow bool, typ string, major, minor *int64, access string) {
		d := deviceRule{allow: allow, typ: -1, major: -1, minor: -1, access: parseAccess(access)}
		switch typ {
		case "b":
			d.typ = unix.BPF_DEVCG_DEV_BLOCK
		case "c":
			d.typ = unix.BPF_DEVCG_DEV_CHAR
		}
		if major != nil {
			d.major = *major
		}
		if minor != nil {
			d.minor = *minor
		}
		out = append(out, d)
	}
	for _, d := range r {
		add(d.Allow, d.Type, d.Major, d.Minor, d.Access)
	}
	for _, rule := range defaultDeviceRules {
		// "c 1:3 rwm", "c 136:* rwm", "b *:* m"
		f := strings.Fields(rule)
		majMin := strings.SplitN(f[1], ":", 2)
		num := func(s string) *int64 {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return nil // "*"
			}
			return &n
		}
		add(true, f[0], num(majMin[0]), num(majMin[1]), f[2])
	}
	return out
}

// deviceProgram assembles the filter.
func deviceProgram(rules []deviceRule) []bpfInsn {
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

// attachDeviceProgram loads the program and attaches it to the cgroup
// directory. The attachment lives as long as the cgroup.
func attachDeviceProgram(cgroupDir string, prog []bpfInsn) error {
	code := make([]byte, 0, len(prog)*8)
	for _, in := range prog {
		code = append(code, in.code, in.regs)
		code = binary.NativeEndian.AppendUint16(code, uint16(in.off))
		code = binary.NativeEndian.AppendUint32(code, uint32(in.imm))
	}
	license := []byte("GPL\x00")
	// union bpf_attr for BPF_PROG_LOAD: prog_type, insn_cnt, insns,
	// license, log_level, log_size, log_buf. First without the verifier's
	// log (a log too small for it fails the load with ENOSPC); on failure
	// once more with a large log, only to say why.
	load := func(logBuf []byte) (uintptr, unix.Errno) {
		var attr [48]byte
		binary.NativeEndian.PutUint32(attr[0:], unix.BPF_PROG_TYPE_CGROUP_DEVICE)
		binary.NativeEndian.PutUint32(attr[4:], uint32(len(prog)))
		binary.NativeEndian.PutUint64(attr[8:], uint64(uintptr(unsafe.Pointer(&code[0]))))
		binary.NativeEndian.PutUint64(attr[16:], uint64(uintptr(unsafe.Pointer(&license[0]))))
		if logBuf != nil {
			binary.NativeEndian.PutUint32(attr[24:], 1)
			binary.NativeEndian.PutUint32(attr[28:], uint32(len(logBuf)))
			binary.NativeEndian.PutUint64(attr[32:], uint64(uintptr(unsafe.Pointer(&logBuf[0]))))
		}
		fd, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_LOAD, uintptr(unsafe.Pointer(&attr[0])), unsafe.Sizeof(attr))
		runtime.KeepAlive(code)
		runtime.KeepAlive(license)
		runtime.KeepAlive(logBuf)
		return fd, errno
	}
	fd, errno := load(nil)
	if errno != 0 {
		logBuf := make([]byte, 1<<20)
		_, _ = load(logBuf)
		log := strings.TrimSpace(cstring(logBuf))
		if i := strings.LastIndexByte(log, '\n'); i >= 0 {
			log = log[i+1:] // the verifier's verdict is its last line
		}
		return fmt.Errorf("load the device filter (bpf BPF_PROG_LOAD): %w: %s", errno, log)
	}
	defer unix.Close(int(fd))
	dir, err := unix.Open(cgroupDir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open %s: %w", cgroupDir, err)
	}
	defer unix.Close(dir)
	// union bpf_attr for BPF_PROG_ATTACH: target_fd, attach_bpf_fd,
	// attach_type, attach_flags.
	var attach [16]byte
	binary.NativeEndian.PutUint32(attach[0:], uint32(dir))
	binary.NativeEndian.PutUint32(attach[4:], uint32(fd))
	binary.NativeEndian.PutUint32(attach[8:], unix.BPF_CGROUP_DEVICE)
	binary.NativeEndian.PutUint32(attach[12:], unix.BPF_F_ALLOW_MULTI)
	if _, _, errno := unix.Syscall(unix.SYS_BPF, unix.BPF_PROG_ATTACH, uintptr(unsafe.Pointer(&attach[0])), unsafe.Sizeof(attach)); errno != 0 {
		return fmt.Errorf("attach the device filter to %s (bpf BPF_PROG_ATTACH): %w", cgroupDir, errno)
	}
	return nil
}

func cstring(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
