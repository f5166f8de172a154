package container

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"mycontainer/nsexec"
	"mycontainer/ocilog"
	"mycontainer/rootfs"
	"mycontainer/spec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// mountAttrs maps the MS_* flags mount options give to mount_setattr's.
var mountAttrs = map[uintptr]uint64{
	unix.MS_RDONLY: unix.MOUNT_ATTR_RDONLY, unix.MS_NOSUID: unix.MOUNT_ATTR_NOSUID,
	unix.MS_NODEV: unix.MOUNT_ATTR_NODEV, unix.MS_NOEXEC: unix.MOUNT_ATTR_NOEXEC,
	unix.MS_NOATIME: unix.MOUNT_ATTR_NOATIME, unix.MS_STRICTATIME: unix.MOUNT_ATTR_STRICTATIME,
	unix.MS_RELATIME: unix.MOUNT_ATTR_RELATIME, unix.MS_NODIRATIME: unix.MOUNT_ATTR_NODIRATIME,
}

// planMounts turns the spec's mounts, in their order, into plan steps.
// A tmpfs on /dev gets the minimal device nodes right after it, as every
// runtime does; a "cgroup" mount becomes the host's layout, read-only.
func planMounts(ms []specs.Mount, bundle string, layout *rootfs.CgroupLayout, x *nsexec.Extras) ([]nsexec.Mount, []string, error) {
	var out []nsexec.Mount
	var binds []string
	for i, m := range ms {
		path := fmt.Sprintf("mounts[%d]", i)
		opts, err := spec.ParseMountOptions(&m)
		if err != nil {
			return nil, nil, fmt.Errorf("%s.options: %w", path, err)
		}
		if opts.TmpCopyUp {
			return nil, nil, fmt.Errorf("%s.options: \"tmpcopyup\" is not supported yet", path)
		}
		// Applied once the mount is attached (rootfs.Apply); a shared
		// bind is also opened before the rslave (bindPeers).
		var prop []uint32
		for _, pr := range opts.Propagation {
			prop = append(prop, uint32(pr))
		}
		var attr, rec, recClr uint64
		for f, a := range mountAttrs {
			if opts.Set&f != 0 {
				attr |= a
			}
			if opts.RecSet&f != 0 {
				rec |= a
			}
			if opts.RecClear&f != 0 {
				recClr |= a
			}
		}
		if opts.RecAtime != 0 {
			// mount_setattr(2): a new atime mode goes in attr_set with
			// all of MOUNT_ATTR__ATIME in attr_clr.
			recClr |= unix.MOUNT_ATTR__ATIME
			rec |= mountAttrs[opts.RecAtime]
		}
		var clr uint64
		if opts.Set&unix.MS_RELATIME != 0 && attr&unix.MOUNT_ATTR__ATIME == 0 {
			// "relatime" is atime mode 0, which no bit in attr can
			// say: clearing the mode field sets it (mount_setattr(2)).
			// Without this a bind kept its source's mode.
			clr = unix.MOUNT_ATTR__ATIME
		}
		target := filepath.Clean(m.Destination)
		switch {
		case opts.Bind:
			src := m.Source
			if !filepath.IsAbs(src) {
				src = filepath.Join(bundle, src)
			}
			st, err := os.Stat(src)
			if err != nil {
				return nil, nil, fmt.Errorf("%s.source: %w", path, err)
			}
			if err := rootfs.CheckProcMount(target, "", true, isProcfs(src)); err != nil {
				return nil, nil, fmt.Errorf("%s.destination %s: %w", path, target, err)
			}
			out = append(out, nsexec.Mount{Kind: nsexec.MountBind, Source: src, Target: target,
				Attr: attr, Clr: clr, RecAttr: rec, RecClr: recClr, Propagation: prop, File: !st.IsDir(), BindIdx: uint32(len(binds))})
			binds = append(binds, src)
		case m.Type == "cgroup" || m.Type == "cgroup2":
			if layout != nil {
				out = append(out, rootfs.CgroupMounts(layout)...)
			}
		default:
			if err := rootfs.CheckProcMount(target, m.Type, false, false); err != nil {
				return nil, nil, fmt.Errorf("%s.destination %s: %w", path, target, err)
			}
			// The kernel filesystems and the runtime's own trees (/proc,
			// /sys, /dev, /tmp, /run) must be real directories, never reached
			// through a symlink: through /proc that was runc's
			// CVE-2019-19921, and a /dev or /tmp link could aim the mount
			// anywhere in the root. Any other destination (a tmpfs on
			// /conf/x with /conf -> /real/conf) is followed inside the
			// root, as runc does: RESOLVE_IN_ROOT keeps it there.
			if m.Type == "tmpfs" && target == "/dev" && attr&unix.MOUNT_ATTR_RDONLY != 0 && x != nil {
				// A read-only /dev still gets its nodes: mounted
				// writable, made read-only once the default nodes and
				// linux.devices exist (init/root_extras.go).
				attr &^= unix.MOUNT_ATTR_RDONLY
				x.ReadonlyDev = true
			}
			out = append(out, nsexec.Mount{Kind: nsexec.MountFS, Source: m.Source, FSType: m.Type,
				Target: target, Data: strings.Join(opts.Data, ","), Attr: attr, RecAttr: rec, RecClr: recClr, Propagation: prop,
				NoFollow: mustNotFollow(target, m.Type)})
			if m.Type == "tmpfs" && target == "/dev" {
				out = append(out, nsexec.Mount{Kind: nsexec.MountDevices, Target: "/dev", NoFollow: true})
			}
		}
	}
	return out, binds, nil
}

// isProcfs says whether a bind's source is a procfs (runc lets one be
// bound onto /proc).
func isProcfs(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.PROC_SUPER_MAGIC
}

// noteIgnoredOptions writes a debug line for each filesystem option of a
// bind mount: valid, accepted, and ignored by the kernel (MS_BIND takes
// no data).
func noteIgnoredOptions(ms []specs.Mount, log *ocilog.Logger) {
	for i := range ms {
		o, err := spec.ParseMountOptions(&ms[i])
		if err != nil {
			continue // validated already; nothing to note
		}
		for _, w := range o.Ignored {
			log.Debugf("config.json: mounts[%d] (%s): option %q is ignored: the kernel takes no filesystem options on a bind mount", i, ms[i].Destination, w)
		}
	}
}

// mustNotFollow: a new filesystem on these may not be reached through a
// symlink (see planMounts).
func mustNotFollow(target, fstype string) bool {
	switch fstype {
	case "proc", "sysfs", "devpts", "mqueue", "cgroup", "cgroup2":
		return true
	}
	for _, p := range []string{"/proc", "/sys", "/dev", "/tmp", "/run"} {
		if target == p || strings.HasPrefix(target, p+"/") {
			return true
		}
	}
	return false
}
