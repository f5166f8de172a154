// Package nsexec is the bridge between the Go parent and the container's
// first stages. Its C constructor (nsexec.c) runs before the Go runtime in
// a re-executed copy of the runtime, clones the container's init into new
// namespaces and pivots it into the new root; then Go boots inside.
//
// The Go side here encodes the bootstrap plan, starts the stage, and speaks
// the one framed protocol (proto.h) used for every message between them.
package nsexec

/*
#cgo CFLAGS: -Wall -Wextra -Werror -O2
#include <stdlib.h>
#include "nsexec.h"

static int myc_bind_fd(int i) { return myc_state.bind_fds[i]; }
*/
import "C"

import "unsafe"

// Role is what the constructor made of this process.
type Role int

// The roles, as nsexec.h defines them.
const (
	RoleNone   Role = C.MYC_ROLE_NONE   // the CLI
	RoleInit   Role = C.MYC_ROLE_INIT   // PID 1: finish the rootfs, exec the command
	RoleReaper Role = C.MYC_ROLE_REAPER // PID 1 with --init: reap and forward signals
	RoleSetup  Role = C.MYC_ROLE_SETUP  // PID 2 with --init: finish the rootfs, exec
	RoleExec   Role = C.MYC_ROLE_EXEC   // `exec`: joined a running container
)

// FifoFD is the O_PATH fd of the exec fifo, or -1.
func FifoFD() int { return int(C.myc_state.fifo_fd) }

// ProcFD is, for a chroot'ed root (Bootstrap.RootChroot) created with an
// exec fifo, an O_PATH fd of the runtime's /proc to reopen the fifo
// through (self/fd/N), the root having no /proc of its own; else -1.
func ProcFD() int { return int(C.myc_state.proc_fd) }

// CurrentRole reports what this process is. Anything but RoleNone means it
// runs inside the container, before the user's command.
func CurrentRole() Role { return Role(C.myc_state.role) }

// ChildPID is the command's PID, for RoleReaper.
func ChildPID() int { return int(C.myc_state.child_pid) }

// GateFD is, with --init, PID 1's write end (RoleReaper) or PID 2's read
// end (RoleSetup) of the pipe that holds PID 2's exec until PID 1 has
// closed the sync socket; -1 otherwise.
func GateFD() int { return int(C.myc_state.gate_fd) }

// SyncFD is the socket to the Go parent, valid when IsInit.
func SyncFD() int { return int(C.myc_state.sync_fd) }

// BootstrapFrame returns a copy of the bootstrap frame the constructor read,
// header included.
func BootstrapFrame() []byte {
	if C.myc_state.bootstrap == nil {
		return nil
	}
	return C.GoBytes(unsafe.Pointer(C.myc_state.bootstrap), C.int(C.myc_state.bootstrap_len))
}

// ReadyNS is the CLOCK_MONOTONIC time at which the constructor handed over
// to the Go runtime, for the --debug timeline.
func ReadyNS() uint64 { return uint64(C.myc_state.ready_ns) }

// BindFDs returns the detached mount trees the constructor opened with
// open_tree before the pivot, in the order of Bootstrap.BindSources.
func BindFDs() []int {
	n := int(C.myc_state.nbinds)
	fds := make([]int, n)
	for i := range fds {
		fds[i] = int(C.myc_bind_fd(C.int(i)))
	}
	return fds
}
