package containerinit

import (
	"fmt"

	"mycontainer/nsexec"
)

// Extras travel inside the bootstrap frame as nested attributes (the
// MYC_X_* numbers of nsexec/proto.h), like everything else between the
// runtime and the container: no JSON, whose reflection cost ~0.3 ms in
// each of the two processes of every start (bench/).

// Encode writes x as the value of the bootstrap's extras attribute.
func (x *Extras) Encode() []byte {
	f := nsexec.NewFrame(0)
	if x.Umask != nil {
		f.PutU32(nsexec.XUmask, *x.Umask)
	}
	f.PutFlag(nsexec.XNoNewPrivs, x.NoNewPrivs)
	if x.OOMScoreAdj != nil {
		f.PutU32(nsexec.XOOMScoreAdj, uint32(int32(*x.OOMScoreAdj)))
	}
	for _, r := range x.Rlimits {
		n := nsexec.NewFrame(0)
		n.PutU32(nsexec.XFType, uint32(r.Type))
		n.PutU64(nsexec.XFSoft, r.Soft)
		n.PutU64(nsexec.XFHard, r.Hard)
		f.Put(nsexec.XRlimit, n.Attrs())
	}
	if c := x.Caps; c != nil {
		n := nsexec.NewFrame(0)
		for _, s := range []struct {
			typ uint32
			set []int
		}{{nsexec.XCBounding, c.Bounding}, {nsexec.XCEffective, c.Effective}, {nsexec.XCInheritable, c.Inheritable},
			{nsexec.XCPermitted, c.Permitted}, {nsexec.XCAmbient, c.Ambient}} {
			b := make([]byte, len(s.set))
			for i, v := range s.set {
				b[i] = byte(v) // capability numbers are < 64 (CAP_LAST_CAP is 40)
			}
			n.Put(s.typ, b)
		}
		f.Put(nsexec.XCaps, n.Attrs())
	}
	for _, p := range x.MaskedPaths {
		f.PutString(nsexec.XMasked, p)
	}
	for _, p := range x.ReadonlyPaths {
		f.PutString(nsexec.XReadonly, p)
	}
	for _, s := range x.Sysctl {
		n := nsexec.NewFrame(0)
		n.PutString(nsexec.XFKey, s.Key)
		n.PutString(nsexec.XFValue, s.Value)
		f.Put(nsexec.XSysctl, n.Attrs())
	}
	for _, d := range x.Devices {
		n := nsexec.NewFrame(0)
		n.PutString(nsexec.XFPath, d.Path)
		n.PutString(nsexec.XFType, d.Type)
		n.PutU64(nsexec.XFMajor, uint64(d.Major))
		n.PutU64(nsexec.XFMinor, uint64(d.Minor))
		n.PutU32(nsexec.XFMode, d.Mode)
		n.PutU32(nsexec.XFUID, d.UID)
		n.PutU32(nsexec.XFGID, d.GID)
		f.Put(nsexec.XDevice, n.Attrs())
	}
	f.PutFlag(nsexec.XReadonlyRoot, x.ReadonlyRoot)
	if len(x.Seccomp) > 0 {
		f.Put(nsexec.XSeccomp, x.Seccomp)
	}
	if x.SeccompFlags != 0 {
		f.PutU32(nsexec.XSeccompFlags, uint32(x.SeccompFlags))
	}
	putHooks(f, nsexec.XHookCreateCtr, x.Hooks.CreateContainer)
	putHooks(f, nsexec.XHookStartCtr, x.Hooks.StartContainer)
	if len(x.Hooks.State) > 0 {
		f.Put(nsexec.XHookState, x.Hooks.State)
	}
	return f.Attrs()
}

func putHooks(f *nsexec.Frame, typ uint32, hs []Hook) {
	for _, h := range hs {
		n := nsexec.NewFrame(0)
		n.PutString(nsexec.XFPath, h.Path)
		for _, a := range h.Args {
			n.PutString(nsexec.XFArg, a)
		}
		for _, e := range h.Env {
			n.PutString(nsexec.XFEnv, e)
		}
		if h.Timeout != 0 {
			n.PutU32(nsexec.XFTimeout, uint32(h.Timeout))
		}
		f.Put(typ, n.Attrs())
	}
}

// DecodeExtras reads what Encode wrote. Every length is checked; an
// attribute of unknown type is an error, since a runtime and an init of
// different builds must not half-understand each other.
func DecodeExtras(b []byte) (*Extras, error) {
	attrs, err := nsexec.ParseAttrs(b)
	if err != nil {
		return nil, err
	}
	x := &Extras{}
	for _, a := range attrs {
		var v uint32
		switch a.Type {
		case nsexec.XUmask:
			if v, err = a.U32(); err == nil {
				x.Umask = &v
			}
		case nsexec.XNoNewPrivs:
			v, err = a.U32()
			x.NoNewPrivs = v != 0
		case nsexec.XOOMScoreAdj:
			if v, err = a.U32(); err == nil {
				adj := int(int32(v))
				x.OOMScoreAdj = &adj
			}
		case nsexec.XRlimit:
			var r Rlimit
			err = eachField(a, func(f nsexec.Attr) (err error) {
				switch f.Type {
				case nsexec.XFType:
					v, err = f.U32()
					r.Type = int(v)
				case nsexec.XFSoft:
					r.Soft, err = f.U64()
				case nsexec.XFHard:
					r.Hard, err = f.U64()
				default:
					return unknown(f)
				}
				return err
			})
			x.Rlimits = append(x.Rlimits, r)
		case nsexec.XCaps:
			x.Caps = &Capabilities{}
			err = eachField(a, func(f nsexec.Attr) error {
				set := make([]int, len(f.Val))
				for i, c := range f.Val {
					set[i] = int(c)
				}
				switch f.Type {
				case nsexec.XCBounding:
					x.Caps.Bounding = set
				case nsexec.XCEffective:
					x.Caps.Effective = set
				case nsexec.XCInheritable:
					x.Caps.Inheritable = set
				case nsexec.XCPermitted:
					x.Caps.Permitted = set
				case nsexec.XCAmbient:
					x.Caps.Ambient = set
				default:
					return unknown(f)
				}
				return nil
			})
		case nsexec.XMasked:
			x.MaskedPaths = append(x.MaskedPaths, a.String())
		case nsexec.XReadonly:
			x.ReadonlyPaths = append(x.ReadonlyPaths, a.String())
		case nsexec.XSysctl:
			var s Sysctl
			err = eachField(a, func(f nsexec.Attr) error {
				switch f.Type {
				case nsexec.XFKey:
					s.Key = f.String()
				case nsexec.XFValue:
					s.Value = f.String()
				default:
					return unknown(f)
				}
				return nil
			})
			x.Sysctl = append(x.Sysctl, s)
		case nsexec.XDevice:
			var d Device
			err = eachField(a, func(f nsexec.Attr) (err error) {
				var u uint64
				switch f.Type {
				case nsexec.XFPath:
					d.Path = f.String()
				case nsexec.XFType:
					d.Type = f.String()
				case nsexec.XFMajor:
					u, err = f.U64()
					d.Major = int64(u)
				case nsexec.XFMinor:
					u, err = f.U64()
					d.Minor = int64(u)
				case nsexec.XFMode:
					d.Mode, err = f.U32()
				case nsexec.XFUID:
					d.UID, err = f.U32()
				case nsexec.XFGID:
					d.GID, err = f.U32()
				default:
					return unknown(f)
				}
				return err
			})
			x.Devices = append(x.Devices, d)
		case nsexec.XReadonlyRoot:
			v, err = a.U32()
			x.ReadonlyRoot = v != 0
		case nsexec.XSeccomp:
			x.Seccomp = append([]byte(nil), a.Val...)
		case nsexec.XSeccompFlags:
			v, err = a.U32()
			x.SeccompFlags = uint(v)
		case nsexec.XHookCreateCtr, nsexec.XHookStartCtr:
			var h Hook
			h, err = decodeHook(a)
			if a.Type == nsexec.XHookCreateCtr {
				x.Hooks.CreateContainer = append(x.Hooks.CreateContainer, h)
			} else {
				x.Hooks.StartContainer = append(x.Hooks.StartContainer, h)
			}
		case nsexec.XHookState:
			x.Hooks.State = append([]byte(nil), a.Val...)
		default:
			err = unknown(a)
		}
		if err != nil {
			return nil, fmt.Errorf("extras attribute %d: %w", a.Type, err)
		}
	}
	return x, nil
}

func decodeHook(a nsexec.Attr) (Hook, error) {
	var h Hook
	err := eachField(a, func(f nsexec.Attr) error {
		switch f.Type {
		case nsexec.XFPath:
			h.Path = f.String()
		case nsexec.XFArg:
			h.Args = append(h.Args, f.String())
		case nsexec.XFEnv:
			h.Env = append(h.Env, f.String())
		case nsexec.XFTimeout:
			v, err := f.U32()
			if err != nil {
				return err
			}
			h.Timeout = int(v)
		default:
			return unknown(f)
		}
		return nil
	})
	return h, err
}

// eachField calls fn for every attribute nested in a.
func eachField(a nsexec.Attr, fn func(nsexec.Attr) error) error {
	fields, err := nsexec.ParseAttrs(a.Val)
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

func unknown(a nsexec.Attr) error {
	return fmt.Errorf("unknown attribute type %d (%d bytes)", a.Type, len(a.Val))
}
