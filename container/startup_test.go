package container

import (
	"os"
	"sync/atomic"
	"testing"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// init's READY and stage-1's PID come from two processes; under load READY
// can arrive first. The reader must still learn the PID (bench/ once saw
// "stage-1 exited with status 0 and no message" from exactly this).
func TestStartupReadyBeforePID(t *testing.T) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fds[1])
	if err := nsexec.Send(fds[1], nsexec.NewFrame(nsexec.MsgReady)); err != nil {
		t.Fatal(err)
	}
	pid := nsexec.NewFrame(nsexec.MsgPID)
	pid.PutU32(nsexec.LPID, 4242)
	if err := nsexec.Send(fds[1], pid); err != nil {
		t.Fatal(err)
	}
	sock, err := pollable(fds[0])
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	var initPID atomic.Int64
	var con atomic.Pointer[console]
	su, err := readStartup(sock, Options{Stdin: os.Stdin, Stdout: os.Stdout}, &initPID, make(chan struct{}), &con)
	if err != nil {
		t.Fatal(err)
	}
	if su.initPID != 4242 || !su.ready || initPID.Load() != 4242 {
		t.Errorf("startup %+v, want PID 4242 and ready", su)
	}
}
