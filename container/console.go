package container

import (
	"io"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// console relays between the user's terminal and the pty the container
// created in its own devpts.
type console struct {
	master  *os.File
	stdin   *os.File
	restore *unix.Termios // the host terminal's mode before raw, if it is one
	done    chan struct{}
}

func startConsole(masterFD int, stdin, stdout *os.File) (*console, error) {
	c := &console{master: os.NewFile(uintptr(masterFD), "pty-master"), stdin: stdin, done: make(chan struct{})}
	if old, err := unix.IoctlGetTermios(int(stdin.Fd()), unix.TCGETS); err == nil {
		// The host terminal goes raw so every key, ^C included, reaches the
		// container's pty, whose own line discipline then applies.
		raw := *old
		raw.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.PARMRK | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.ICRNL | unix.IXON
		raw.Oflag &^= unix.OPOST
		raw.Lflag &^= unix.ECHO | unix.ECHONL | unix.ICANON | unix.ISIG | unix.IEXTEN
		raw.Cflag &^= unix.CSIZE | unix.PARENB
		raw.Cflag |= unix.CS8
		raw.Cc[unix.VMIN], raw.Cc[unix.VTIME] = 1, 0
		if err := unix.IoctlSetTermios(int(stdin.Fd()), unix.TCSETS, &raw); err != nil {
			c.master.Close()
			return nil, err
		}
		c.restore = old
		c.resize()
	}
	go func() { _, _ = io.Copy(c.master, stdin) }() // ends with the process
	go func() {
		// EIO once every holder of the slave is gone: the normal end.
		_, _ = io.Copy(stdout, c.master)
		close(c.done)
	}()
	return c, nil
}

// resize copies the host terminal's size to the container's pty, which
// sends SIGWINCH to the container's foreground process group.
func (c *console) resize() {
	if c == nil || c.restore == nil {
		return
	}
	ws, err := unix.IoctlGetWinsize(int(c.stdin.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return // not a terminal any more: nothing to copy
	}
	_ = unix.IoctlSetWinsize(int(c.master.Fd()), unix.TIOCSWINSZ, ws) // best effort, like a terminal emulator
}

// close waits for the container's last output, then restores the host
// terminal. It runs on every exit path of Run.
func (c *console) close() {
	if c == nil {
		return
	}
	select {
	case <-c.done:
	case <-time.After(2 * time.Second):
		// Something outside the container still holds the pty slave; do not
		// hang the runtime for it.
	}
	c.master.Close()
	if c.restore != nil {
		_ = unix.IoctlSetTermios(int(c.stdin.Fd()), unix.TCSETS, c.restore) // nothing more can be done if this fails
	}
}
