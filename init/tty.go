package containerinit

import (
	"fmt"

	"mycontainer/nsexec"

	"golang.org/x/sys/unix"
)

// setupPTY opens a pty in the container's own devpts instance, hands the
// master to the runtime parent over the sync socket, and puts the slave on
// fds 0, 1 and 2. The pty lives in the container's devpts, so `tty` inside
// prints /dev/pts/0 and the host's ptys stay out of reach.
//
// The slave belongs to the process's user (its group stays devpts's, tty),
// as runc does it: a non-root shell can then chmod its own terminal, and
// programs that check their tty's owner (mesg, write, ssh-agent, sudo's
// use_pty) accept it.
//
// console (the container's own process, not an exec): the slave is bound
// over /dev/console too (console.go).
func setupPTY(sock int, rows, cols uint16, uid uint32, console bool) error {
	master, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("open /dev/ptmx: %w", err)
	}
	defer unix.Close(master)
	if err := unix.IoctlSetPointerInt(master, unix.TIOCSPTLCK, 0); err != nil {
		return fmt.Errorf("unlock pty: %w", err)
	}
	// TIOCGPTPEER opens the slave through the master, not by a path name
	// that the container could have swapped.
	r1, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(master), unix.TIOCGPTPEER, unix.O_RDWR|unix.O_NOCTTY)
	slave := int(r1)
	if errno != 0 {
		err = errno
		return fmt.Errorf("open pty slave (TIOCGPTPEER): %w", err)
	}
	if uid != 0 {
		if err := unix.Fchown(slave, int(uid), -1); err != nil {
			unix.Close(slave)
			return fmt.Errorf("give the pty to uid %d: %w", uid, err)
		}
	}
	if rows != 0 && cols != 0 {
		if err := unix.IoctlSetWinsize(master, unix.TIOCSWINSZ, &unix.Winsize{Row: rows, Col: cols}); err != nil {
			unix.Close(slave)
			return fmt.Errorf("set window size: %w", err)
		}
	}
	if err := nsexec.Send(sock, nsexec.NewFrame(nsexec.MsgPTY), master); err != nil {
		unix.Close(slave)
		return fmt.Errorf("send pty master to the runtime: %w", err)
	}
	if console {
		if err := bindConsole(slave); err != nil {
			unix.Close(slave)
			return err
		}
	}
	for fd := 0; fd < 3; fd++ {
		if err := unix.Dup3(slave, fd, 0); err != nil {
			unix.Close(slave)
			return fmt.Errorf("dup pty onto fd %d: %w", fd, err)
		}
	}
	return unix.Close(slave)
}
