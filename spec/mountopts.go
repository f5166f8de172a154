package spec

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// MountOptions is a mount's options, sorted by who consumes them. The
// mount plan uses it, so validation and mounting read options one way.
type MountOptions struct {
	// Bind is a bind mount: the type is "bind" or an option is
	// "bind"/"rbind". Recursive is "rbind" (MS_BIND|MS_REC).
	Bind, Recursive bool
	// Set and Clear are MS_* flags the options turn on ("ro") and
	// explicitly off ("rw"). Clear matters for a bind mount's read-only
	// remount, which must not keep flags the options turned off.
	Set, Clear uintptr
	// RecSet is the recursive attributes ("rro", "rnosuid"...): set on
	// the mount and every submount (mount_setattr with AT_RECURSIVE).
	// Set alone covers the top mount only, even with "rbind". RecClear
	// is their clearing forms ("rrw", "rsuid"...).
	RecSet, RecClear uintptr
	// RecAtime is the atime mode of the mount and every submount
	// ("rnoatime", "rrelatime", "rstrictatime" and their opposites): one
	// of MS_NOATIME, MS_RELATIME, MS_STRICTATIME, or 0 to leave it. The
	// kernel keeps one atime mode per mount, so the last option wins.
	RecAtime uintptr
	// Propagation is the propagation changes in option order, each an
	// MS_PRIVATE/MS_SHARED/MS_SLAVE/MS_UNBINDABLE value, with MS_REC for
	// the "r" forms. The kernel takes them in a separate mount(2) call.
	Propagation []uintptr
	// Data is the filesystem's own options ("mode=755", "newinstance"),
	// for mount(2)'s data argument, joined with ",".
	Data []string
	// TmpCopyUp is podman's "tmpcopyup" on a tmpfs: after mounting,
	// the runtime copies what the image has at the destination into the
	// new tmpfs, so /tmp or /run keep the image's files.
	TmpCopyUp bool
	// Ignored is the filesystem options of a bind mount ("mode=755",
	// "size=1k"): mount(2) takes no data with MS_BIND, so the kernel
	// ignores them. They are accepted, as runc and crun accept them, and
	// the runtime notes them in its debug log.
	Ignored []string
}

// flagOptions are the mount(8) words that map to MS_* flags. Where both
// forms exist, the later option wins, as in fstab. The list is limited to
// per-mount flags that the mount plan applies (as mount_setattr
// attributes); superblock flags such as sync, dirsync, lazytime or silent
// are refused as unknown rather than dropped.
var flagOptions = map[string]struct {
	flag  uintptr
	clear bool
}{
	"ro":            {unix.MS_RDONLY, false},
	"rw":            {unix.MS_RDONLY, true},
	"nosuid":        {unix.MS_NOSUID, false},
	"suid":          {unix.MS_NOSUID, true},
	"nodev":         {unix.MS_NODEV, false},
	"dev":           {unix.MS_NODEV, true},
	"noexec":        {unix.MS_NOEXEC, false},
	"exec":          {unix.MS_NOEXEC, true},
	"noatime":       {unix.MS_NOATIME, false},
	"atime":         {unix.MS_NOATIME, true},
	"nodiratime":    {unix.MS_NODIRATIME, false},
	"diratime":      {unix.MS_NODIRATIME, true},
	"relatime":      {unix.MS_RELATIME, false},
	"norelatime":    {unix.MS_RELATIME, true},
	"strictatime":   {unix.MS_STRICTATIME, false},
	"nostrictatime": {unix.MS_STRICTATIME, true},
	"defaults":      {0, false}, // fstab's placeholder: nothing to do
}

// recursiveOptions are the recursive forms of flagOptions (crun's and
// runc's "rro" family, config.md's "recursive mount attributes"),
// applied with mount_setattr(AT_RECURSIVE); clear: the option turns the
// flag off ("rrw").
var recursiveOptions = map[string]struct {
	flag  uintptr
	clear bool
}{
	"rro":         {unix.MS_RDONLY, false},
	"rrw":         {unix.MS_RDONLY, true},
	"rnosuid":     {unix.MS_NOSUID, false},
	"rsuid":       {unix.MS_NOSUID, true},
	"rnodev":      {unix.MS_NODEV, false},
	"rdev":        {unix.MS_NODEV, true},
	"rnoexec":     {unix.MS_NOEXEC, false},
	"rexec":       {unix.MS_NOEXEC, true},
	"rnodiratime": {unix.MS_NODIRATIME, false},
	"rdiratime":   {unix.MS_NODIRATIME, true},
}

// recursiveAtime are the recursive atime forms. The kernel's atime is one
// mode per mount, not independent bits (mount_setattr(2)), so the
// "no" forms name the mode they leave: "ratime" and "rnostrictatime"
// undo noatime and strictatime into the default, relatime;
// "rnorelatime" is mount(8)'s norelatime, strict atime updates.
var recursiveAtime = map[string]uintptr{
	"rnoatime":       unix.MS_NOATIME,
	"ratime":         unix.MS_RELATIME,
	"rrelatime":      unix.MS_RELATIME,
	"rnorelatime":    unix.MS_STRICTATIME,
	"rstrictatime":   unix.MS_STRICTATIME,
	"rnostrictatime": unix.MS_RELATIME,
}

var propagationOptions = map[string]uintptr{
	"private":     unix.MS_PRIVATE,
	"rprivate":    unix.MS_PRIVATE | unix.MS_REC,
	"shared":      unix.MS_SHARED,
	"rshared":     unix.MS_SHARED | unix.MS_REC,
	"slave":       unix.MS_SLAVE,
	"rslave":      unix.MS_SLAVE | unix.MS_REC,
	"unbindable":  unix.MS_UNBINDABLE,
	"runbindable": unix.MS_UNBINDABLE | unix.MS_REC,
}

// dataWords are filesystem options without "=" that mycontainer passes
// to the kernel as data. Any "key=value" is passed through too. Other bare
// words are refused: the kernel either fails the mount with a bare EINVAL
// or, for a bind mount, ignores data entirely, and a runtime-level option
// we do not implement (crun's "idmap", "rro") must not vanish silently.
var dataWords = map[string]bool{
	"newinstance": true, // devpts: a private instance, not the host's ptys
	"inode64":     true, // tmpfs
	"inode32":     true, // tmpfs
	"noswap":      true, // tmpfs, Linux 6.4
	"userxattr":   true, // overlay
	"volatile":    true, // overlay
}

// refusedOptions get a specific message.
var refusedOptions = map[string]string{
	"idmap":   "idmapped mounts are not supported",
	"ridmap":  "idmapped mounts are not supported",
	"remount": "remounting is not supported in config.json",
	"mand":    "mandatory locking was removed from Linux 5.15",
	"copy":    "is an engine's volume option and means nothing to the runtime",
	"nocopy":  "is an engine's volume option and means nothing to the runtime",
	"z":       "is an engine's SELinux relabel option and means nothing to the runtime",
	"Z":       "is an engine's SELinux relabel option and means nothing to the runtime",
	"U":       "is an engine's chown option and means nothing to the runtime",
}

// ParseMountOptions reads a mount's options. Validate has already
// reported any problem it returns; the mount plan calls it on validated
// mounts. Errors name paths relative to the mount ("options[2]").
func ParseMountOptions(m *specs.Mount) (*MountOptions, error) {
	var p problems
	o := parseMountOptions(&p, "", m)
	return o, p.err()
}

// parseMountOptions reads m's options, reporting problems under base
// (the mount's JSON path, or "" for paths relative to the mount).
func parseMountOptions(p *problems, base string, m *specs.Mount) *MountOptions {
	o := &MountOptions{Bind: m.Type == "bind"}
	optPath := func(i int) string { return idx(join(base, "options"), i) }
	var dataAt []int
	for i, opt := range m.Options {
		if f, ok := flagOptions[opt]; ok {
			if f.clear {
				o.Clear |= f.flag
				o.Set &^= f.flag
			} else {
				o.Set |= f.flag
				o.Clear &^= f.flag
			}
			continue
		}
		if f, ok := recursiveOptions[opt]; ok {
			if f.clear {
				o.RecClear |= f.flag
				o.RecSet &^= f.flag
			} else {
				o.RecSet |= f.flag
				o.RecClear &^= f.flag
			}
			continue
		}
		if mode, ok := recursiveAtime[opt]; ok {
			o.RecAtime = mode
			continue
		}
		if prop, ok := propagationOptions[opt]; ok {
			o.Propagation = append(o.Propagation, prop)
			continue
		}
		switch {
		case opt == "bind":
			o.Bind = true
		case opt == "rbind":
			o.Bind, o.Recursive = true, true
		case opt == "tmpcopyup":
			if m.Type != "tmpfs" {
				p.add(optPath(i), "\"tmpcopyup\" is only for a tmpfs mount, not %q", m.Type)
			}
			o.TmpCopyUp = true
		case opt == "notmpcopyup":
			o.TmpCopyUp = false
		case refusedOptions[opt] != "":
			p.add(optPath(i), "%q: %s", opt, refusedOptions[opt])
		case opt == "":
			p.add(optPath(i), "is empty")
		case strings.ContainsAny(opt, ",\x00"):
			// The kernel splits data at ",", so one option would become
			// several that were never checked.
			p.add(optPath(i), "%q must not contain ',' or a NUL byte", opt)
		case dataWords[opt] || strings.Contains(opt, "="):
			o.Data = append(o.Data, opt)
			dataAt = append(dataAt, i)
		default:
			p.add(optPath(i), "%q is not a known mount option; filesystem options take the form key=value", opt)
		}
	}
	if o.Bind {
		// mount(2) ignores data with MS_BIND. Configs written for runc
		// and crun carry such options (a tmpfs entry turned into a bind),
		// so they are accepted and noted, never passed on; a bare word
		// that is not a known option was refused above.
		for _, i := range dataAt {
			o.Ignored = append(o.Ignored, m.Options[i])
		}
		o.Data = nil
	}
	return o
}

func join(base, name string) string {
	if base == "" {
		return name
	}
	return field(base, name)
}

// PropagationFlags maps a propagation word ("rprivate", "unbindable") to
// its MS_* flags, for linux.rootfsPropagation.
func PropagationFlags(word string) (uintptr, bool) {
	f, ok := propagationOptions[word]
	return f, ok
}
