package nsexec

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Frame is one message of the protocol in proto.h: a type and a list of
// attributes. Build one with NewFrame and the Put methods; read one with
// Attrs.
type Frame struct {
	Type uint32
	buf  []byte // header and attributes, in wire form
}

// NewFrame starts an empty frame of the given type.
func NewFrame(typ uint32) *Frame {
	f := &Frame{Type: typ, buf: make([]byte, hdrLen, 256)}
	binary.NativeEndian.PutUint32(f.buf[4:], typ)
	return f
}

// Put appends one attribute.
func (f *Frame) Put(typ uint32, val []byte) {
	f.buf = binary.NativeEndian.AppendUint32(f.buf, typ)
	f.buf = binary.NativeEndian.AppendUint32(f.buf, uint32(len(val)))
	f.buf = append(f.buf, val...)
}

// PutString appends a string attribute, without a terminating NUL.
func (f *Frame) PutString(typ uint32, s string) {
	f.buf = binary.NativeEndian.AppendUint32(f.buf, typ)
	f.buf = binary.NativeEndian.AppendUint32(f.buf, uint32(len(s)))
	f.buf = append(f.buf, s...)
}

// PutU32 appends a 32-bit attribute.
func (f *Frame) PutU32(typ, v uint32) {
	f.Put(typ, binary.NativeEndian.AppendUint32(nil, v))
}

// PutFlag appends a u32 attribute of 1 when b is set, and nothing when
// it is not: an absent flag reads as false.
func (f *Frame) PutFlag(typ uint32, b bool) {
	if b {
		f.PutU32(typ, 1)
	}
}

// PutU64 appends a 64-bit attribute.
func (f *Frame) PutU64(typ uint32, v uint64) {
	f.Put(typ, binary.NativeEndian.AppendUint64(nil, v))
}

// Attrs returns the frame's attributes without its header: the value of
// an attribute that nests others (a mount, the extras).
func (f *Frame) Attrs() []byte { return f.buf[hdrLen:] }

// Bytes returns the frame in wire form, with its length filled in.
func (f *Frame) Bytes() []byte {
	binary.NativeEndian.PutUint32(f.buf[0:], uint32(len(f.buf)-hdrLen))
	return f.buf
}

// Attr is one attribute of a received frame.
type Attr struct {
	Type uint32
	Val  []byte
}

// String returns the attribute as a string.
func (a Attr) String() string { return string(a.Val) }

// U32 returns the attribute as a 32-bit value, checking its length.
func (a Attr) U32() (uint32, error) {
	if len(a.Val) != 4 {
		return 0, fmt.Errorf("attribute %d: want 4 bytes, got %d", a.Type, len(a.Val))
	}
	return binary.NativeEndian.Uint32(a.Val), nil
}

// U64 returns the attribute as a 64-bit value, checking its length.
func (a Attr) U64() (uint64, error) {
	if len(a.Val) != 8 {
		return 0, fmt.Errorf("attribute %d: want 8 bytes, got %d", a.Type, len(a.Val))
	}
	return binary.NativeEndian.Uint64(a.Val), nil
}

var errBadFrame = errors.New("malformed frame")

// errUnknownAttr: the runtime and its stages are one binary, so an
// attribute the reader does not know is a bug on one side, and guessing
// past it could run a container half-configured (proto.h).
var errUnknownAttr = errors.New("unknown attribute")

func unknownAttr(a Attr) error {
	return fmt.Errorf("%w type %d (%d bytes)", errUnknownAttr, a.Type, len(a.Val))
}

// ParseFrame checks a received frame's header and returns its type and
// attributes. Every length is checked against the bytes present.
func ParseFrame(b []byte) (uint32, []Attr, error) {
	if len(b) < hdrLen {
		return 0, nil, fmt.Errorf("%w: %d bytes is shorter than a header", errBadFrame, len(b))
	}
	n := binary.NativeEndian.Uint32(b[0:])
	if int(n) != len(b)-hdrLen {
		return 0, nil, fmt.Errorf("%w: header says %d bytes, got %d", errBadFrame, n, len(b)-hdrLen)
	}
	attrs, err := ParseAttrs(b[hdrLen:])
	return binary.NativeEndian.Uint32(b[4:]), attrs, err
}

// ParseAttrs splits a run of attributes, such as a nested mount entry.
func ParseAttrs(b []byte) ([]Attr, error) {
	var attrs []Attr
	for len(b) > 0 {
		if len(b) < attrHdrLen {
			return nil, fmt.Errorf("%w: %d trailing bytes", errBadFrame, len(b))
		}
		typ := binary.NativeEndian.Uint32(b[0:])
		n := binary.NativeEndian.Uint32(b[4:])
		if uint64(n) > uint64(len(b)-attrHdrLen) {
			return nil, fmt.Errorf("%w: attribute %d claims %d bytes, %d remain", errBadFrame, typ, n, len(b)-attrHdrLen)
		}
		attrs = append(attrs, Attr{Type: typ, Val: b[attrHdrLen : attrHdrLen+int(n)]})
		b = b[attrHdrLen+int(n):]
	}
	return attrs, nil
}

// Send writes one frame, passing fds along with it as SCM_RIGHTS.
func Send(sock int, f *Frame, fds ...int) error {
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	for {
		err := unix.Sendmsg(sock, f.Bytes(), oob, nil, unix.MSG_NOSIGNAL)
		if err == unix.EINTR {
			continue
		}
		return err
	}
}

// maxRecv bounds the frames the parent receives: logs, errors, a PID and
// the pty. Only the bootstrap is large, and it travels the other way. A
// small buffer also keeps the runtime from faulting in fresh heap pages.
const maxRecv = 8 << 10

// Recv reads one frame and any fds passed with it. At end of stream (every
// peer has closed or exec'd) it returns a nil frame and no error.
func Recv(sock int) ([]byte, []int, error) {
	buf := make([]byte, maxRecv)
	oob := make([]byte, unix.CmsgSpace(4*4))
	for {
		n, oobn, flags, _, err := unix.Recvmsg(sock, buf, oob, unix.MSG_CMSG_CLOEXEC)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		if n == 0 {
			return nil, nil, nil
		}
		var fds []int
		if oobn > 0 {
			msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
			if err != nil {
				return nil, nil, fmt.Errorf("parse control message: %w", err)
			}
			for _, m := range msgs {
				got, err := unix.ParseUnixRights(&m)
				if err != nil {
					return nil, nil, fmt.Errorf("parse SCM_RIGHTS: %w", err)
				}
				fds = append(fds, got...)
			}
		}
		if flags&(unix.MSG_TRUNC|unix.MSG_CTRUNC) != 0 {
			for _, fd := range fds {
				unix.Close(fd)
			}
			return nil, nil, fmt.Errorf("%w: message larger than %d bytes", errBadFrame, len(buf))
		}
		return buf[:n], fds, nil
	}
}
