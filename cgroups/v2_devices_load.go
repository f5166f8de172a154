package cgroups

import (
	"encoding/binary"
	"fmt"
	"runtime"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

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
	// The verifier gives up with EAGAIN when a signal is pending, and Go
	// preempts its threads with SIGURG: on a slow machine (the v2 VM
	// under emulation) a load can be interrupted. Retry, as libbpf does.
	fd, errno := load(nil)
	for try := 0; errno == unix.EAGAIN && try < 10; try++ {
		fd, errno = load(nil)
	}
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
