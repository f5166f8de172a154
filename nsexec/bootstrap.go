package nsexec

import (
	"encoding/binary"
	"fmt"
)

// Mount is one step of the ordered mount plan. The init stage carries the
// steps out in order after pivot_root; bind sources were opened by the C
// constructor before it, so they stay reachable.
type Mount struct {
	Kind     uint32 // MountFS, MountBind or MountDevices
	Source   string // fs source name, or the host path for a bind
	Target   string // absolute path inside the container
	FSType   string // for MountFS
	Data     string // fs options, "key=value,key"
	Attr     uint64 // unix.MOUNT_ATTR_* flags
	NoFollow bool   // the target itself must not be a symlink
	File     bool   // the target is a file (bind of a file)
	BindIdx  uint32 // for MountBind: index into Bootstrap.BindSources
	// RecAttr are MOUNT_ATTR_* flags for the mount and every submount
	// (the "rro" family); Attr covers the top mount only.
	RecAttr uint64
	// RecClr are MOUNT_ATTR_* flags cleared on the mount and every
	// submount ("rrw", "rsuid"...; MOUNT_ATTR__ATIME with an atime mode
	// in RecAttr for "rnoatime" and the other recursive atime forms).
	RecClr uint64
	// Clr are MOUNT_ATTR_* flags cleared on the mount itself: all of
	// MOUNT_ATTR__ATIME for "relatime", whose mode is 0 and so cannot
	// show in Attr (the bind would keep its source's atime mode).
	Clr uint64
	// Propagation is the mount's MS_* propagation changes, in the
	// options' order (MS_REC: every submount), made once it is attached.
	Propagation []uint32
}

// Bootstrap is everything the container's stages need, sent once.
type Bootstrap struct {
	CloneFlags uint64
	Hostname   string
	Rootfs     string // absolute host path
	// HostRootReadonly: the host-root form of `run`: the whole tree,
	// every submount, read-only (root.c). Not Extras.ReadonlyRoot, the
	// spec's root.readonly, which covers the root mount only.
	HostRootReadonly bool
	BindSources      []string
	// BindPeers index BindSources opened before the container's "/" is
	// made rslave: they stay peers of the host's mount (shared
	// propagation, root.c).
	BindPeers []uint32
	Debug     bool
	// An overlayfs root (run --image): the layers, top first, and the
	// container's upper and work directories, mounted by init in its own
	// mount namespace (root.c) in place of Rootfs.
	OverlayLower []string
	OverlayUpper string
	OverlayWork  string
	// OverlayString: the kernel has no overlayfs "lowerdir+" (before
	// 6.8; the runtime's plan decides, image.LowerdirPlus): init passes
	// the layers as one "lowerdir=" string to mount(2) (root.c).
	OverlayString bool

	Args     []string
	Env      []string
	Cwd      string
	UID, GID uint32
	AddGIDs  []uint32
	TTY      bool
	Init     bool
	Rows     uint16
	Cols     uint16
	Loopback bool
	Mounts   []Mount

	Pdeathsig bool     // init dies with the runtime (`run`)
	ExecFifo  string   // host path of the exec fifo (`create`)
	WaitStart bool     // wait for MsgStart on the socket (`run --bundle`)
	Owned     bool     // with WaitStart: keep dying with the runtime after the start (`run --net bridge`)
	Join      []JoinNS // namespaces to enter before cloning
	Exec      bool     // join a running container (`exec`): no new root
	// HookPause: init stops before pivot_root, its root attached at
	// Rootfs, and sends MsgHooks; the parent runs the hooks config.md
	// places there and answers MsgHooksDone (root.c).
	HookPause bool
	// RootChroot: no new mount namespace (none listed, or one joined by
	// path): init chroots into Rootfs as it is, with nothing mounted,
	// cloned or cut off in the shared tree (nsexec/chroot.c). With Exec,
	// Rootfs is the running init's /proc/PID/root.
	RootChroot bool
	// MountHelper, with Exec: only make Mounts under Rootfs (init's root
	// as attached during the hooks pause) and exit (container/hooks_mounts.go).
	MountHelper bool
	Extras      []byte // Extras.Encode (MYC_X_* attributes), for OCI bundles
}

// JoinNS is an existing namespace to enter.
type JoinNS struct {
	Type uint32 // a CLONE_NEW* flag
	Path string
}

// Frame encodes the bootstrap message.
func (b *Bootstrap) Frame() *Frame {
	f := NewFrame(MsgBootstrap)
	f.PutU64(aCloneFlags, b.CloneFlags)
	if b.Hostname != "" {
		f.PutString(aHostname, b.Hostname)
	}
	f.PutString(aRootfs, b.Rootfs)
	for _, s := range b.BindSources {
		f.PutString(aBindSource, s)
	}
	for _, i := range b.BindPeers {
		f.PutU32(aBindPeer, i)
	}
	for _, s := range b.OverlayLower {
		f.PutString(aOverlayLower, s)
	}
	if len(b.OverlayLower) > 0 {
		f.PutString(aOverlayUpper, b.OverlayUpper)
		f.PutString(aOverlayWork, b.OverlayWork)
	}
	for _, a := range b.Args {
		f.PutString(aArg, a)
	}
	for _, e := range b.Env {
		f.PutString(aEnv, e)
	}
	f.PutString(aCwd, b.Cwd)
	f.PutU32(aUID, b.UID)
	f.PutU32(aGID, b.GID)
	for _, g := range b.AddGIDs {
		f.PutU32(aAddGID, g)
	}
	if b.Rows != 0 || b.Cols != 0 {
		f.PutU32(aWinsize, uint32(b.Rows)|uint32(b.Cols)<<16)
	}
	if b.ExecFifo != "" {
		f.PutString(aExecFifo, b.ExecFifo)
	}
	for _, j := range b.Join {
		v := binary.NativeEndian.AppendUint32(nil, j.Type)
		f.Put(aJoinNS, append(v, j.Path...))
	}
	putFlags(f, b, bootstrapFlags)
	if len(b.Extras) > 0 {
		f.Put(aExtras, b.Extras)
	}
	for _, m := range b.Mounts {
		f.Put(aMount, encodeMount(m))
	}
	return f
}

func encodeMount(m Mount) []byte {
	n := NewFrame(0)
	n.PutU32(mKind, m.Kind)
	n.PutString(mSource, m.Source)
	n.PutString(mTarget, m.Target)
	n.PutString(mFstype, m.FSType)
	n.PutString(mData, m.Data)
	n.PutU64(mAttr, m.Attr)
	if m.RecAttr != 0 {
		n.PutU64(mRecAttr, m.RecAttr)
	}
	if m.RecClr != 0 {
		n.PutU64(mRecClr, m.RecClr)
	}
	if m.Clr != 0 {
		n.PutU64(mClr, m.Clr)
	}
	for _, pr := range m.Propagation {
		n.PutU32(mProp, pr)
	}
	putFlags(n, &m, mountFlags)
	n.PutU32(mBindIndex, m.BindIdx)
	return n.Attrs()
}

// ParseBootstrap decodes a bootstrap frame, header included. An attribute
// it does not know is an error (proto.h).
func ParseBootstrap(b []byte) (*Bootstrap, error) {
	typ, attrs, err := ParseFrame(b)
	if err != nil {
		return nil, fmt.Errorf("decode bootstrap: %w", err)
	}
	if typ != MsgBootstrap {
		return nil, fmt.Errorf("decode bootstrap: frame type %d is not a bootstrap", typ)
	}
	bs := &Bootstrap{}
	for _, a := range attrs {
		if err := bs.decodeAttr(a); err != nil {
			return nil, fmt.Errorf("decode bootstrap attribute %d: %w", a.Type, err)
		}
	}
	// The overlay's three parts come together or not at all (plan.c
	// checks the same): an upper or work directory without layers would
	// be a plan the encoder never makes.
	if (len(bs.OverlayLower) > 0) != (bs.OverlayUpper != "" && bs.OverlayWork != "") ||
		(len(bs.OverlayLower) == 0 && (bs.OverlayUpper != "" || bs.OverlayWork != "")) {
		return nil, fmt.Errorf("decode bootstrap: overlay: layers, an upper and a work directory go together")
	}
	if bs.OverlayString && len(bs.OverlayLower) == 0 {
		return nil, fmt.Errorf("decode bootstrap: overlay string without layers") // as plan.c
	}
	for _, i := range bs.BindPeers {
		if int(i) >= len(bs.BindSources) {
			return nil, fmt.Errorf("decode bootstrap: bind peer %d names no bind source", i) // as plan.c
		}
	}
	return bs, nil
}

// decodeAttr reads one attribute of the bootstrap into bs.
func (bs *Bootstrap) decodeAttr(a Attr) (err error) {
	var v uint32
	switch a.Type {
	case aCloneFlags:
		bs.CloneFlags, err = a.U64()
	case aHostname:
		bs.Hostname = a.String()
	case aRootfs:
		bs.Rootfs = a.String()
	case aBindSource:
		bs.BindSources = append(bs.BindSources, a.String())
	case aBindPeer:
		v, err = a.U32()
		bs.BindPeers = append(bs.BindPeers, v)
	case aOverlayLower:
		bs.OverlayLower = append(bs.OverlayLower, a.String())
	case aOverlayUpper:
		bs.OverlayUpper = a.String()
	case aOverlayWork:
		bs.OverlayWork = a.String()
	case aArg:
		bs.Args = append(bs.Args, a.String())
	case aEnv:
		bs.Env = append(bs.Env, a.String())
	case aCwd:
		bs.Cwd = a.String()
	case aUID:
		bs.UID, err = a.U32()
	case aGID:
		bs.GID, err = a.U32()
	case aAddGID:
		v, err = a.U32()
		bs.AddGIDs = append(bs.AddGIDs, v)
	case aWinsize:
		v, err = a.U32()
		bs.Rows, bs.Cols = uint16(v), uint16(v>>16)
	case aExecFifo:
		bs.ExecFifo = a.String()
	case aJoinNS:
		var j JoinNS
		if j, err = parseJoin(a.Val); err == nil {
			bs.Join = append(bs.Join, j)
		}
	case aExtras:
		bs.Extras = append([]byte(nil), a.Val...)
	case aMount:
		var m Mount
		m, err = parseMount(a.Val)
		bs.Mounts = append(bs.Mounts, m)
	default:
		var ok bool
		if ok, err = getFlag(a, bs, bootstrapFlags); !ok {
			err = unknownAttr(a)
		}
	}
	return err
}

// parseJoin reads a namespace to join: its CLONE_NEW* type, then its path.
func parseJoin(b []byte) (JoinNS, error) {
	if len(b) < 5 {
		return JoinNS{}, fmt.Errorf("namespace attribute of %d bytes", len(b))
	}
	return JoinNS{Type: binary.NativeEndian.Uint32(b), Path: string(b[4:])}, nil
}

func parseMount(b []byte) (Mount, error) {
	var m Mount
	attrs, err := ParseAttrs(b)
	if err != nil {
		return m, err
	}
	for _, a := range attrs {
		switch a.Type {
		case mKind:
			m.Kind, err = a.U32()
		case mSource:
			m.Source = a.String()
		case mTarget:
			m.Target = a.String()
		case mFstype:
			m.FSType = a.String()
		case mData:
			m.Data = a.String()
		case mAttr:
			m.Attr, err = a.U64()
		case mRecAttr:
			m.RecAttr, err = a.U64()
		case mRecClr:
			m.RecClr, err = a.U64()
		case mClr:
			m.Clr, err = a.U64()
		case mProp:
			var v uint32
			v, err = a.U32()
			m.Propagation = append(m.Propagation, v)
		case mBindIndex:
			m.BindIdx, err = a.U32()
		default:
			var ok bool
			if ok, err = getFlag(a, &m, mountFlags); !ok {
				err = unknownAttr(a)
			}
		}
		if err != nil {
			return m, err
		}
	}
	return m, nil
}
