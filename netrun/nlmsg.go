package netrun

import (
	"encoding/binary"
	"fmt"
	"os"
	"runtime"
	"syscall"

	"golang.org/x/sys/unix"
)

// The runtime's own netlink: message and attribute framing, one socket,
// one request at a time. Not the netlink library's message layer
// (netlink/nl), though it does the same: nl imports package net, whose
// init, linked into the runtime's binary, every start of every container
// would pay twice (the runtime and its init: +25 allocations and ~0.7 ms
// of package init per process in GODEBUG=inittrace; README,
// Networking). The high-level work stays with the libraries, in
// mycontainer-net.

// attr is one netlink attribute, with data or nested attributes.
type attr struct {
	typ  uint16
	data []byte
	kids []*attr
}

func newAttr(typ int, data []byte) *attr { return &attr{typ: uint16(typ), data: data} }

// nested is an attribute of attributes (NLA_F_NESTED set).
func nested(typ int, kids ...*attr) *attr {
	return &attr{typ: uint16(typ) | unix.NLA_F_NESTED, kids: kids}
}

func (a *attr) add(kids ...*attr) *attr { a.kids = append(a.kids, kids...); return a }

func str(typ int, s string) *attr { return newAttr(typ, append([]byte(s), 0)) }

// u32 attributes of rtnetlink are in host order; nftables' are
// big-endian (u32be).
func u32(typ int, v uint32) *attr   { return newAttr(typ, binary.NativeEndian.AppendUint32(nil, v)) }
func u32be(typ int, v uint32) *attr { return newAttr(typ, binary.BigEndian.AppendUint32(nil, v)) }

func align4(n int) int { return (n + 3) &^ 3 }

// appendTo encodes a (header, data or children, padding) after b.
func (a *attr) appendTo(b []byte) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	b = append(b, a.data...)
	for _, k := range a.kids {
		b = k.appendTo(b)
	}
	binary.NativeEndian.PutUint16(b[start:], uint16(len(b)-start))
	binary.NativeEndian.PutUint16(b[start+2:], a.typ)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// message is one netlink message: header, the fixed part (ifinfomsg,
// nfgenmsg, ...) and attributes.
func message(typ, flags int, fixed []byte, attrs ...*attr) []byte {
	b := make([]byte, unix.NLMSG_HDRLEN, 256)
	b = append(b, fixed...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	for _, a := range attrs {
		b = a.appendTo(b)
	}
	binary.NativeEndian.PutUint32(b[0:], uint32(len(b)))
	binary.NativeEndian.PutUint16(b[4:], uint16(typ))
	binary.NativeEndian.PutUint16(b[6:], uint16(flags|unix.NLM_F_REQUEST))
	return b
}

// parseAttrs calls f for each attribute in b (NLA_F_NESTED cleared).
func parseAttrs(b []byte, f func(typ uint16, v []byte)) {
	for len(b) >= 4 {
		l := int(binary.NativeEndian.Uint16(b))
		if l < 4 || l > len(b) {
			return
		}
		f(binary.NativeEndian.Uint16(b[2:])&^(unix.NLA_F_NESTED|unix.NLA_F_NET_BYTEORDER), b[4:l])
		b = b[min(align4(l), len(b)):]
	}
}

// nlSocket is a netlink socket of the runtime's.
type nlSocket struct {
	fd  int
	seq uint32
}

func openNetlink(proto int) (*nlSocket, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, fmt.Errorf("open netlink: %w", err)
	}
	// A kernel that never answers must not hang the run forever.
	tv := unix.Timeval{Sec: 10}
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("netlink receive timeout: %w", err)
	}
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("bind netlink: %w", err)
	}
	return &nlSocket{fd: fd}, nil
}

// openNetlinkIn opens a socket in the network namespace of pid: made by
// a thread of its own that enters the namespace and leaves it again; a
// socket stays in the namespace it was made in. If the thread cannot get
// back, it stays locked and Go ends it with its goroutine.
func openNetlinkIn(pid, proto int) (*nlSocket, error) {
	type result struct {
		s   *nlSocket
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		own, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: err}
			return
		}
		defer own.Close()
		target, err := os.Open(fmt.Sprintf("/proc/%d/ns/net", pid))
		if err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("open the network namespace of pid %d: %w", pid, err)}
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			ch <- result{err: fmt.Errorf("enter the network namespace of pid %d: %w", pid, err)}
			return
		}
		s, err := openNetlink(proto)
		if berr := unix.Setns(int(own.Fd()), unix.CLONE_NEWNET); berr != nil {
			if s != nil {
				s.close()
			}
			ch <- result{err: fmt.Errorf("return to the host's network namespace: %w", berr)}
			return // still locked: Go ends this thread
		}
		runtime.UnlockOSThread()
		ch <- result{s, err}
	}()
	r := <-ch
	return r.s, r.err
}

func (s *nlSocket) close() { unix.Close(s.fd) }

// send sends msgs (one request, or a batch) in one write, numbering them.
func (s *nlSocket) send(msgs ...[]byte) (first uint32, err error) {
	var buf []byte
	first = s.seq + 1
	for _, m := range msgs {
		s.seq++
		binary.NativeEndian.PutUint32(m[8:], s.seq)
		buf = append(buf, m...)
	}
	if err := unix.Sendto(s.fd, buf, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return 0, fmt.Errorf("netlink send: %w", err)
	}
	return first, nil
}

// receive reads answers to messages numbered first..s.seq, calling f
// with each data message's type and payload. It returns once acks
// answered acks of them (a request with NLM_F_ACK), or at the end of a
// dump (NLMSG_DONE); an error answer ends it with that error.
func (s *nlSocket) receive(first uint32, acks int, f func(typ uint16, data []byte)) error {
	rb := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(s.fd, rb, 0)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(rb[:n])
		if err != nil {
			return fmt.Errorf("netlink receive: %w", err)
		}
		for _, m := range msgs {
			if m.Header.Seq < first || m.Header.Seq > s.seq {
				continue // an answer to an earlier request
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return nil
			case unix.NLMSG_ERROR:
				if len(m.Data) < 4 {
					return fmt.Errorf("netlink: short error message")
				}
				if errno := int32(binary.NativeEndian.Uint32(m.Data)); errno != 0 {
					return syscall.Errno(-errno)
				}
				if acks--; acks <= 0 {
					return nil
				}
			default:
				if f != nil {
					f(m.Header.Type, m.Data)
				}
			}
		}
	}
}

// do sends one request with NLM_F_ACK and waits for its ack, passing
// any data answer (a GET's) to f.
func (s *nlSocket) do(msg []byte, f func(typ uint16, data []byte)) error {
	first, err := s.send(msg)
	if err != nil {
		return err
	}
	return s.receive(first, 1, f)
}

// dump sends a dump request and passes every answer to f.
func (s *nlSocket) dump(msg []byte, f func(typ uint16, data []byte)) error {
	first, err := s.send(msg)
	if err != nil {
		return err
	}
	return s.receive(first, 1<<30, f)
}
