package nsexec

// A flag is a u32 attribute that is 1 when set and absent when not. Every
// flag of every message is one line in a table below, read by both the
// encoder and the decoder, so adding a flag is one line here (and one in
// plan.c's plan_flags if the C constructor reads it too).

// flag ties an attribute number to the bool field of T it carries.
type flag[T any] struct {
	attr  uint32
	field func(*T) *bool
}

var bootstrapFlags = []flag[Bootstrap]{
	{aHostRootReadonly, func(b *Bootstrap) *bool { return &b.HostRootReadonly }},
	{aDebug, func(b *Bootstrap) *bool { return &b.Debug }},
	{aTTY, func(b *Bootstrap) *bool { return &b.TTY }},
	{aInit, func(b *Bootstrap) *bool { return &b.Init }},
	{aPdeathsig, func(b *Bootstrap) *bool { return &b.Pdeathsig }},
	{aExec, func(b *Bootstrap) *bool { return &b.Exec }},
	{aLoopback, func(b *Bootstrap) *bool { return &b.Loopback }},
	{aWaitStart, func(b *Bootstrap) *bool { return &b.WaitStart }},
	{aHookPause, func(b *Bootstrap) *bool { return &b.HookPause }},
	{aOwned, func(b *Bootstrap) *bool { return &b.Owned }},
	{aRootChroot, func(b *Bootstrap) *bool { return &b.RootChroot }},
	{aOverlayString, func(b *Bootstrap) *bool { return &b.OverlayString }},
	{aMountHelper, func(b *Bootstrap) *bool { return &b.MountHelper }},
}

var mountFlags = []flag[Mount]{
	{mNofollow, func(m *Mount) *bool { return &m.NoFollow }},
	{mFile, func(m *Mount) *bool { return &m.File }},
}

var extrasFlags = []flag[Extras]{
	{xNoNewPrivs, func(x *Extras) *bool { return &x.NoNewPrivs }},
	{xReadonlyRoot, func(x *Extras) *bool { return &x.ReadonlyRoot }},
	{xReadonlyDev, func(x *Extras) *bool { return &x.ReadonlyDev }},
}

// putFlags appends every set flag of v.
func putFlags[T any](f *Frame, v *T, table []flag[T]) {
	for _, fl := range table {
		f.PutFlag(fl.attr, *fl.field(v))
	}
}

// getFlag sets the flag a carries, if a is one of table's. It reports
// whether it was, and fails on a value that is not 4 bytes long.
func getFlag[T any](a Attr, v *T, table []flag[T]) (bool, error) {
	for _, fl := range table {
		if fl.attr == a.Type {
			n, err := a.U32()
			*fl.field(v) = n != 0
			return true, err
		}
	}
	return false, nil
}
