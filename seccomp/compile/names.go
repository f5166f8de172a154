package compile

import (
	"fmt"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"
)

// arches maps the spec's names to libseccomp's. An explicit table, rather
// than libseccomp's loose string parser, so "SCMP_ARCH_AMD64" is an error
// instead of a guess.
var arches = map[specs.Arch]libseccomp.ScmpArch{
	specs.ArchX86:         libseccomp.ArchX86,
	specs.ArchX86_64:      libseccomp.ArchAMD64,
	specs.ArchX32:         libseccomp.ArchX32,
	specs.ArchARM:         libseccomp.ArchARM,
	specs.ArchAARCH64:     libseccomp.ArchARM64,
	specs.ArchMIPS:        libseccomp.ArchMIPS,
	specs.ArchMIPS64:      libseccomp.ArchMIPS64,
	specs.ArchMIPS64N32:   libseccomp.ArchMIPS64N32,
	specs.ArchMIPSEL:      libseccomp.ArchMIPSEL,
	specs.ArchMIPSEL64:    libseccomp.ArchMIPSEL64,
	specs.ArchMIPSEL64N32: libseccomp.ArchMIPSEL64N32,
	specs.ArchPPC:         libseccomp.ArchPPC,
	specs.ArchPPC64:       libseccomp.ArchPPC64,
	specs.ArchPPC64LE:     libseccomp.ArchPPC64LE,
	specs.ArchS390:        libseccomp.ArchS390,
	specs.ArchS390X:       libseccomp.ArchS390X,
	specs.ArchPARISC:      libseccomp.ArchPARISC,
	specs.ArchPARISC64:    libseccomp.ArchPARISC64,
	specs.ArchRISCV64:     libseccomp.ArchRISCV64,
	specs.ArchLOONGARCH64: libseccomp.ArchLOONGARCH64,
	specs.ArchM68K:        libseccomp.ArchM68K,
	specs.ArchSH:          libseccomp.ArchSH,
	specs.ArchSHEB:        libseccomp.ArchSHEB,
}

var ops = map[specs.LinuxSeccompOperator]libseccomp.ScmpCompareOp{
	specs.OpNotEqual:     libseccomp.CompareNotEqual,
	specs.OpLessThan:     libseccomp.CompareLess,
	specs.OpLessEqual:    libseccomp.CompareLessOrEqual,
	specs.OpEqualTo:      libseccomp.CompareEqual,
	specs.OpGreaterEqual: libseccomp.CompareGreaterEqual,
	specs.OpGreaterThan:  libseccomp.CompareGreater,
	specs.OpMaskedEqual:  libseccomp.CompareMaskedEqual,
}

// maxErrno is the kernel's MAX_ERRNO: a larger SECCOMP_RET_DATA would not
// read as an error to userspace.
const maxErrno = 4095

// action maps an action and its optional errnoRet (at JSON path ep).
func action(p string, a specs.LinuxSeccompAction, errnoRet *uint, ep string) (libseccomp.ScmpAction, error) {
	var act libseccomp.ScmpAction
	switch a {
	case specs.ActKill, specs.ActKillThread: // SCMP_ACT_KILL is the old name of KILL_THREAD
		act = libseccomp.ActKillThread
	case specs.ActKillProcess:
		act = libseccomp.ActKillProcess
	case specs.ActTrap:
		act = libseccomp.ActTrap
	case specs.ActAllow:
		act = libseccomp.ActAllow
	case specs.ActLog:
		act = libseccomp.ActLog
	case specs.ActErrno:
		// EPERM when errnoRet is absent: what runc and crun do, and what
		// profiles written for them expect.
		code := uint(unix.EPERM)
		if errnoRet != nil {
			if *errnoRet > maxErrno {
				return 0, fmt.Errorf("%s: %d is out of range (0 to %d)", ep, *errnoRet, maxErrno)
			}
			code = *errnoRet
		}
		return libseccomp.ActErrno.SetReturnCode(int16(code)), nil
	case specs.ActTrace:
		// For TRACE the value is the message the tracer reads.
		code := uint(0)
		if errnoRet != nil {
			if *errnoRet > 0x7fff {
				return 0, fmt.Errorf("%s: %d is out of range (0 to 32767)", ep, *errnoRet)
			}
			code = *errnoRet
		}
		return libseccomp.ActTrace.SetReturnCode(int16(code)), nil
	case specs.ActNotify:
		// The syscall waits for the agent at listenerPath (CompileReport
		// checks there is one), which gets the filter's listener fd.
		act = libseccomp.ActNotify
	case "":
		return 0, fmt.Errorf("%s: missing", p)
	default:
		return 0, fmt.Errorf("%s: unknown action %q", p, a)
	}
	if errnoRet != nil {
		return 0, fmt.Errorf("%s: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not %s", ep, a)
	}
	return act, nil
}

// filterFlags maps the spec's flags to seccomp(2) flag bits.
func filterFlags(fl []specs.LinuxSeccompFlag) (uint, error) {
	var bits uint
	for i, f := range fl {
		switch f {
		case "SECCOMP_FILTER_FLAG_TSYNC":
			// Dropped on purpose; see the package comment.
		case specs.LinuxSeccompFlagLog:
			bits |= unix.SECCOMP_FILTER_FLAG_LOG
		case specs.LinuxSeccompFlagSpecAllow:
			bits |= unix.SECCOMP_FILTER_FLAG_SPEC_ALLOW
		case specs.LinuxSeccompFlagWaitKillableRecv:
			return 0, fmt.Errorf("%s.flags[%d]: %q is not supported (it only affects SCMP_ACT_NOTIFY)", path, i, f)
		default:
			return 0, fmt.Errorf("%s.flags[%d]: unknown flag %q", path, i, f)
		}
	}
	return bits, nil
}
