package nsexec

import (
	"fmt"
)

// Extras travel inside the bootstrap frame as nested attributes (the
// MYC_X_* numbers of nsexec/proto.h), like everything else between the
// runtime and the container: no JSON, whose reflection cost ~0.3 ms in
// each of the two processes of every start (bench/).

// Encode writes x as the value of the bootstrap's extras attribute.
func (x *Extras) Encode() []byte {
	f := NewFrame(0)
	if x.Umask != nil {
		f.PutU32(xUmask, *x.Umask)
	}
	if x.OOMScoreAdj != nil {
		f.PutU32(xOOMScoreAdj, uint32(int32(*x.OOMScoreAdj)))
	}
	for _, r := range x.Rlimits {
		f.Put(xRlimit, encodeRlimit(r))
	}
	if x.Caps != nil {
		f.Put(xCaps, encodeCaps(x.Caps))
	}
	for _, p := range x.MaskedPaths {
		f.PutString(xMasked, p)
	}
	for _, p := range x.ReadonlyPaths {
		f.PutString(xReadonly, p)
	}
	for _, s := range x.Sysctl {
		f.Put(xSysctl, encodeSysctl(s))
	}
	for _, d := range x.Devices {
		f.Put(xDevice, encodeDevice(d))
	}
	if len(x.Seccomp) > 0 {
		f.Put(xSeccomp, x.Seccomp)
	}
	if x.RootPropagation != 0 {
		f.PutU32(xRootProp, x.RootPropagation)
	}
	if x.SeccompFlags != 0 {
		f.PutU32(xSeccompFlags, uint32(x.SeccompFlags))
	}
	putFlags(f, x, extrasFlags)
	putHooks(f, xHookStartCtr, x.Hooks.StartContainer)
	if len(x.Hooks.State) > 0 {
		f.Put(xHookState, x.Hooks.State)
	}
	return f.Attrs()
}

func encodeRlimit(r Rlimit) []byte {
	n := NewFrame(0)
	n.PutU32(xfType, uint32(r.Type))
	n.PutU64(xfSoft, r.Soft)
	n.PutU64(xfHard, r.Hard)
	return n.Attrs()
}

func encodeCaps(c *Capabilities) []byte {
	n := NewFrame(0)
	for _, s := range []struct {
		typ uint32
		set []int
	}{{xcBounding, c.Bounding}, {xcEffective, c.Effective}, {xcInheritable, c.Inheritable},
		{xcPermitted, c.Permitted}, {xcAmbient, c.Ambient}} {
		b := make([]byte, len(s.set))
		for i, v := range s.set {
			b[i] = byte(v) // capability numbers are < 64 (CAP_LAST_CAP is 40)
		}
		n.Put(s.typ, b)
	}
	return n.Attrs()
}

func encodeSysctl(s Sysctl) []byte {
	n := NewFrame(0)
	n.PutString(xfKey, s.Key)
	n.PutString(xfValue, s.Value)
	return n.Attrs()
}

func encodeDevice(d Device) []byte {
	n := NewFrame(0)
	n.PutString(xfPath, d.Path)
	n.PutString(xfType, d.Type)
	n.PutU64(xfMajor, uint64(d.Major))
	n.PutU64(xfMinor, uint64(d.Minor))
	n.PutU32(xfMode, d.Mode)
	n.PutU32(xfUID, d.UID)
	n.PutU32(xfGID, d.GID)
	return n.Attrs()
}

func putHooks(f *Frame, typ uint32, hs []Hook) {
	for _, h := range hs {
		n := NewFrame(0)
		n.PutString(xfPath, h.Path)
		for _, a := range h.Args {
			n.PutString(xfArg, a)
		}
		for _, e := range h.Env {
			n.PutString(xfEnv, e)
		}
		if h.Timeout != 0 {
			n.PutU32(xfTimeout, uint32(h.Timeout))
		}
		f.Put(typ, n.Attrs())
	}
}

// DecodeExtras reads what Encode wrote. Every length is checked; an
// attribute of unknown type is an error (proto.h).
func DecodeExtras(b []byte) (*Extras, error) {
	attrs, err := ParseAttrs(b)
	if err != nil {
		return nil, err
	}
	x := &Extras{}
	for _, a := range attrs {
		if err := x.decodeAttr(a); err != nil {
			return nil, fmt.Errorf("extras attribute %d: %w", a.Type, err)
		}
	}
	return x, nil
}

// decodeAttr reads one top-level attribute into x. A nested group
// (rlimit, capabilities, sysctl, device, hook) has its own decoder.
func (x *Extras) decodeAttr(a Attr) error {
	switch a.Type {
	case xUmask:
		v, err := a.U32()
		if err == nil {
			x.Umask = &v
		}
		return err
	case xOOMScoreAdj:
		v, err := a.U32()
		if err == nil {
			adj := int(int32(v))
			x.OOMScoreAdj = &adj
		}
		return err
	case xRlimit:
		r, err := decodeRlimit(a)
		x.Rlimits = append(x.Rlimits, r)
		return err
	case xCaps:
		var err error
		x.Caps, err = decodeCaps(a)
		return err
	case xMasked:
		x.MaskedPaths = append(x.MaskedPaths, a.String())
	case xReadonly:
		x.ReadonlyPaths = append(x.ReadonlyPaths, a.String())
	case xSysctl:
		s, err := decodeSysctl(a)
		x.Sysctl = append(x.Sysctl, s)
		return err
	case xDevice:
		d, err := decodeDevice(a)
		x.Devices = append(x.Devices, d)
		return err
	case xSeccomp:
		x.Seccomp = append([]byte(nil), a.Val...)
	case xRootProp:
		v, err := a.U32()
		x.RootPropagation = v
		return err
	case xSeccompFlags:
		v, err := a.U32()
		x.SeccompFlags = uint(v)
		return err
	case xHookStartCtr:
		h, err := decodeHook(a)
		x.Hooks.StartContainer = append(x.Hooks.StartContainer, h)
		return err
	case xHookState:
		x.Hooks.State = append([]byte(nil), a.Val...)
	default:
		ok, err := getFlag(a, x, extrasFlags)
		if !ok {
			return unknownAttr(a)
		}
		return err
	}
	return nil
}

func decodeRlimit(a Attr) (Rlimit, error) {
	var r Rlimit
	err := eachField(a, func(f Attr) (err error) {
		var v uint32
		switch f.Type {
		case xfType:
			v, err = f.U32()
			r.Type = int(v)
		case xfSoft:
			r.Soft, err = f.U64()
		case xfHard:
			r.Hard, err = f.U64()
		default:
			return unknownAttr(f)
		}
		return err
	})
	return r, err
}

func decodeCaps(a Attr) (*Capabilities, error) {
	c := &Capabilities{}
	err := eachField(a, func(f Attr) error {
		set := make([]int, len(f.Val))
		for i, n := range f.Val {
			set[i] = int(n)
		}
		switch f.Type {
		case xcBounding:
			c.Bounding = set
		case xcEffective:
			c.Effective = set
		case xcInheritable:
			c.Inheritable = set
		case xcPermitted:
			c.Permitted = set
		case xcAmbient:
			c.Ambient = set
		default:
			return unknownAttr(f)
		}
		return nil
	})
	return c, err
}

func decodeSysctl(a Attr) (Sysctl, error) {
	var s Sysctl
	err := eachField(a, func(f Attr) error {
		switch f.Type {
		case xfKey:
			s.Key = f.String()
		case xfValue:
			s.Value = f.String()
		default:
			return unknownAttr(f)
		}
		return nil
	})
	return s, err
}

func decodeDevice(a Attr) (Device, error) {
	var d Device
	err := eachField(a, func(f Attr) (err error) {
		var u uint64
		switch f.Type {
		case xfPath:
			d.Path = f.String()
		case xfType:
			d.Type = f.String()
		case xfMajor:
			u, err = f.U64()
			d.Major = int64(u)
		case xfMinor:
			u, err = f.U64()
			d.Minor = int64(u)
		case xfMode:
			d.Mode, err = f.U32()
		case xfUID:
			d.UID, err = f.U32()
		case xfGID:
			d.GID, err = f.U32()
		default:
			return unknownAttr(f)
		}
		return err
	})
	return d, err
}

func decodeHook(a Attr) (Hook, error) {
	var h Hook
	err := eachField(a, func(f Attr) error {
		switch f.Type {
		case xfPath:
			h.Path = f.String()
		case xfArg:
			h.Args = append(h.Args, f.String())
		case xfEnv:
			h.Env = append(h.Env, f.String())
		case xfTimeout:
			v, err := f.U32()
			if err != nil {
				return err
			}
			h.Timeout = int(v)
		default:
			return unknownAttr(f)
		}
		return nil
	})
	return h, err
}

// eachField calls fn for every attribute nested in a.
func eachField(a Attr, fn func(Attr) error) error {
	fields, err := ParseAttrs(a.Val)
	if err != nil {
		return err
	}
	for _, f := range fields {
		if err := fn(f); err != nil {
			return err
		}
	}
	return nil
}
