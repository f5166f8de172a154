package spec

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"mycontainer/cgroups"
	"mycontainer/netconf"
	"mycontainer/rootfs"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Friendly is the friendly `run`'s flags, as the user typed them. Spec
// writes them down as a config.json, which then goes through the same
// Validate and the same planning as a bundle's: `run` is a bundle held in
// memory, not a second code path.
type Friendly struct {
	Rootfs, Hostname, Workdir, User, Net string
	Env, Volumes, Command                []string
	Publish, DNS                         []string   // -p and --dns: with --net bridge only
	TTY                                  bool       // resolved by the caller (default: stdin is a terminal)
	Console                              *specs.Box // the caller's terminal size, with TTY

	// Security: docker's defaults and the flags that change them.
	Security Security

	// Overlay, when set, is the root instead of Rootfs: an overlayfs of
	// an image's layers with the container's own upper directory, which
	// init mounts in the container's mount namespace.
	Overlay *Overlay
	// ImageEnv is the image's environment: over docker's defaults, under -e.
	ImageEnv []string

	// Docker-style limits, with units (64m, 0.5 CPUs, -1).
	Memory, MemorySwap, MemoryReservation, CPUs, CPUShares string
	CpusetCpus, CpusetMems, PidsLimit, BlkioWeight         string
}

// Overlay is a copy-on-write root: read-only layers (top first) and the
// container's upper and work directories.
type Overlay struct {
	Lower       []string
	Upper, Work string
	// String: the kernel has no "lowerdir+" (image.LowerdirPlus): the
	// layers go in one "lowerdir=" string (rootfs/overlay.go, root.c).
	String bool
}

// FriendlyPath is the PATH every friendly container starts with (docker's).
const FriendlyPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Spec checks every flag and the rootfs and writes the container down.
// hostRoot reports the default form (the host's / read-only), whatever
// path led there (`--rootfs /` too). A command missing from the rootfs is
// an error wrapping rootfs.ErrCommandNotFound or rootfs.ErrNotExecutable.
func (f *Friendly) Spec() (s *specs.Spec, hostRoot bool, err error) {
	if len(f.Command) == 0 {
		return nil, false, errors.New("run: no command given")
	}
	cwd := f.Workdir
	if cwd == "" {
		cwd = "/"
	} else if !filepath.IsAbs(cwd) {
		return nil, false, fmt.Errorf("workdir %q: must be an absolute path", cwd)
	}
	rootPath, root, err := f.openRoot()
	if err != nil {
		return nil, false, err
	}
	defer unix.Close(root)
	// `--rootfs /` (or a bind mount of /) is the default form spelled
	// out: it gets the same read-only host root, never a writable one.
	if hostRoot, err = isHostRoot(root); err != nil {
		return nil, false, err
	}
	proc, err := f.process(root, cwd)
	if err != nil {
		return nil, false, err
	}
	vols, err := f.volumes()
	if err != nil {
		return nil, false, err
	}
	res, err := f.resources()
	if err != nil {
		return nil, false, err
	}
	namespaces := []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.MountNamespace},
		{Type: specs.UTSNamespace}, {Type: specs.IPCNamespace},
		// A cgroup namespace: inside, /sys/fs/cgroup shows the container's
		// own cgroup as its root, read-only.
		{Type: specs.CgroupNamespace}}
	netns, err := f.network()
	if err != nil {
		return nil, false, err
	}
	if netns != nil {
		namespaces = append(namespaces, *netns)
	}
	s = &specs.Spec{
		Version:  specs.Version,
		Root:     &specs.Root{Path: rootPath},
		Hostname: f.Hostname,
		Process:  proc,
		Mounts:   rootfs.DefaultMounts(hostRoot, vols),
		Linux:    &specs.Linux{Namespaces: namespaces, Resources: res},
	}
	if err := f.Security.secure(s); err != nil {
		return nil, false, err
	}
	return s, hostRoot, nil
}

// openRoot opens the root the command and the user are looked up in: the
// rootfs directory, or the merged layers of an image (a detached,
// read-only overlay, gone when closed). rootPath is spec's root.path (an
// overlay's upper directory).
func (f *Friendly) openRoot() (rootPath string, root int, err error) {
	if o := f.Overlay; o != nil {
		root, err = rootfs.OpenLowerRoot(o.Lower, !o.String)
		return o.Upper, root, err
	}
	if rootPath, err = f.rootPath(); err != nil {
		return "", -1, err
	}
	root, err = rootfs.OpenRoot(rootPath)
	return rootPath, root, err
}

func (f *Friendly) rootPath() (string, error) {
	if f.Rootfs == "" {
		return "/", nil
	}
	abs, err := filepath.Abs(f.Rootfs)
	if err != nil {
		return "", fmt.Errorf("rootfs %s: %w", f.Rootfs, err)
	}
	// The rootfs path is the caller's own choice, so following its
	// symlinks here is fine; paths *inside* it never are.
	p, err := filepath.EvalSymlinks(abs)
	if errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("rootfs %s: no such directory", abs)
	}
	if err != nil {
		return "", fmt.Errorf("rootfs %s: %w", abs, err)
	}
	return p, nil
}

// process resolves the user and the command inside the rootfs (opened as
// root, never followed out of it).
func (f *Friendly) process(root int, cwd string) (*specs.Process, error) {
	user, err := rootfs.LookupUser(root, f.User)
	if err != nil {
		return nil, err
	}
	proc := &specs.Process{Terminal: f.TTY, Args: f.Command, Cwd: cwd,
		User: specs.User{UID: user.UID, GID: user.GID}}
	if len(user.AddGIDs) > 1 {
		proc.User.AdditionalGids = user.AddGIDs[1:] // the first is the primary group
	}
	if f.TTY {
		proc.ConsoleSize = f.Console
	}
	var env []string
	for _, e := range f.ImageEnv {
		if strings.Contains(e, "=") {
			env = append(env, e)
		}
	}
	if proc.Env, err = friendlyEnv(append(env, f.Env...), f.Hostname, user.Home, f.TTY); err != nil {
		return nil, err
	}
	if _, err := rootfs.LookPath(root, f.Command[0], envValue(proc.Env, "PATH"), cwd); err != nil {
		return nil, fmt.Errorf("find command in rootfs: %w", err)
	}
	return proc, nil
}

// isHostRoot reports whether the opened root is the host's / itself: the
// same device and inode, whatever path led there.
func isHostRoot(root int) (bool, error) {
	var st, host unix.Stat_t
	if err := unix.Fstat(root, &st); err != nil {
		return false, fmt.Errorf("rootfs: stat: %w", err)
	}
	if err := unix.Stat("/", &host); err != nil {
		return false, fmt.Errorf("rootfs: stat the host's /: %w", err)
	}
	return st.Dev == host.Dev && st.Ino == host.Ino, nil
}

// friendlyEnv gives the command docker's default environment, then -e.
func friendlyEnv(flags []string, hostname, home string, tty bool) ([]string, error) {
	env := []string{"PATH=" + FriendlyPath, "HOSTNAME=" + hostname, "HOME=" + home}
	if tty {
		env = append(env, "TERM=xterm")
	}
	for _, e := range flags {
		k, v, ok := strings.Cut(e, "=")
		if k == "" || strings.ContainsRune(k, 0) || strings.ContainsRune(v, 0) {
			return nil, fmt.Errorf("env %q: want K=V with a non-empty name and no NUL byte", e)
		}
		if !ok {
			// docker: -e K copies K from the caller, or sets nothing.
			if v, ok = os.LookupEnv(k); !ok {
				continue
			}
		}
		env = setEnv(env, k, v)
	}
	return env, nil
}

func setEnv(env []string, k, v string) []string {
	for i, e := range env {
		if strings.HasPrefix(e, k+"=") {
			env[i] = k + "=" + v
			return env
		}
	}
	return append(env, k+"="+v)
}

func envValue(env []string, k string) string {
	for _, e := range env {
		if strings.HasPrefix(e, k+"=") {
			return e[len(k)+1:]
		}
	}
	return ""
}

// volumes reads each -v SRC:DST[:ro|rw]. The source must exist on the
// host; the destination is checked by Validate, as a bundle's would be.
func (f *Friendly) volumes() ([]rootfs.Volume, error) {
	var vols []rootfs.Volume
	for _, spec := range f.Volumes {
		parts := strings.Split(spec, ":")
		if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
			return nil, fmt.Errorf("volume %q: want SRC:DST[:ro]", spec)
		}
		v := rootfs.Volume{Target: parts[1]}
		if len(parts) == 3 {
			switch parts[2] {
			case "ro":
				v.ReadOnly = true
			case "rw":
			default:
				return nil, fmt.Errorf("volume %q: option %q is not ro or rw", spec, parts[2])
			}
		}
		if !filepath.IsAbs(parts[0]) {
			return nil, fmt.Errorf("volume %q: the source must be an absolute path", spec)
		}
		if _, err := os.Stat(parts[0]); err != nil {
			return nil, fmt.Errorf("volume %q: source: %w", spec, err)
		}
		v.Source = filepath.Clean(parts[0])
		vols = append(vols, v)
	}
	return vols, nil
}

// resources turns the docker-style limit flags into the spec's section,
// with units. nil when no limit is asked for.
func (f *Friendly) resources() (*specs.LinuxResources, error) {
	r := &specs.LinuxResources{}
	var err error
	parse := func(flag, v string, set func(string) error) {
		if err == nil && v != "" {
			if e := set(v); e != nil {
				err = fmt.Errorf("--%s %q: %w", flag, v, e)
			}
		}
	}
	f.memory(r, parse)
	f.cpu(r, parse)
	parse("pids-limit", f.PidsLimit, func(v string) error {
		n, e := strconv.ParseInt(v, 10, 64)
		if e == nil && (n < -1 || n == 0) {
			e = errors.New("want a positive number, or -1 for unlimited")
		}
		r.Pids = &specs.LinuxPids{Limit: n}
		return e
	})
	parse("blkio-weight", f.BlkioWeight, func(v string) error {
		w, e := strconv.ParseUint(v, 10, 16)
		w16 := uint16(w)
		r.BlockIO = &specs.LinuxBlockIO{Weight: &w16}
		return e
	})
	if err != nil {
		return nil, err
	}
	if r.Memory == nil && r.CPU == nil && r.Pids == nil && r.BlockIO == nil {
		return nil, nil
	}
	return r, nil
}

// parseFunc parses one flag's value with set, keeping the first error.
type parseFunc func(flag, v string, set func(string) error)

func (f *Friendly) memory(r *specs.LinuxResources, parse parseFunc) {
	mem := func() *specs.LinuxMemory {
		if r.Memory == nil {
			r.Memory = &specs.LinuxMemory{}
		}
		return r.Memory
	}
	size := func(parseFn func(string) (int64, error), dst func() **int64) func(string) error {
		return func(v string) error {
			n, e := parseFn(v)
			*dst() = &n
			return e
		}
	}
	parse("memory", f.Memory, size(cgroups.ParseBytes, func() **int64 { return &mem().Limit }))
	parse("memory-swap", f.MemorySwap, size(cgroups.ParseMemorySwap, func() **int64 { return &mem().Swap }))
	parse("memory-reservation", f.MemoryReservation, size(cgroups.ParseBytes, func() **int64 { return &mem().Reservation }))
}

func (f *Friendly) cpu(r *specs.LinuxResources, parse parseFunc) {
	cpu := func() *specs.LinuxCPU {
		if r.CPU == nil {
			r.CPU = &specs.LinuxCPU{}
		}
		return r.CPU
	}
	parse("cpus", f.CPUs, func(v string) error {
		q, p, e := cgroups.ParseCPUs(v)
		cpu().Quota, cpu().Period = &q, &p
		return e
	})
	parse("cpu-shares", f.CPUShares, func(v string) error {
		n, e := strconv.ParseUint(v, 10, 64)
		cpu().Shares = &n
		return e
	})
	if f.CpusetCpus != "" || f.CpusetMems != "" {
		cpu().Cpus, cpu().Mems = f.CpusetCpus, f.CpusetMems
	}
}

// friendlyFlags maps the JSON paths Validate names to the `run` flags
// that set them, so a friendly user learns which flag to fix.
var friendlyFlags = []struct{ path, flag string }{
	{"hostname", "--hostname"},
	{"mounts[", "-v"},
	{"process.cwd", "-w"},
	{"process.user", "-u"},
	{"process.env", "-e"},
	{"process.args", "the command"},
	{"linux.resources.memory.limit", "--memory"},
	{"linux.resources.memory.swap", "--memory-swap"},
	{"linux.resources.memory.reservation", "--memory-reservation"},
	{"linux.resources.cpu.shares", "--cpu-shares"},
	{"linux.resources.cpu.quota", "--cpus"},
	{"linux.resources.cpu.period", "--cpus"},
	{"linux.resources.cpu.cpus", "--cpuset-cpus"},
	{"linux.resources.cpu.mems", "--cpuset-mems"},
	{"linux.resources.pids", "--pids-limit"},
	{"linux.resources.blockIO.weight", "--blkio-weight"},
}

// FriendlyError names the flags behind a Validate error of a friendly
// spec. The JSON paths stay: they are what the same mistake in a bundle
// would say.
func FriendlyError(err error) error {
	msg := err.Error()
	var flags []string
	for _, f := range friendlyFlags {
		if strings.Contains(msg, f.path) && !slices.Contains(flags, f.flag) {
			flags = append(flags, f.flag)
		}
	}
	if len(flags) == 0 {
		return err
	}
	return fmt.Errorf("%w (from %s)", err, strings.Join(flags, ", "))
}

// network checks --net, -p and --dns, and says which network namespace
// the container gets: none (the host's), a new one (none, bridge: the
// bridge's veth is wired in by the runtime before the command runs), or
// an existing one (ns:PATH).
func (f *Friendly) network() (*specs.LinuxNamespace, error) {
	mode, err := netconf.ParseMode(f.Net)
	if err != nil {
		return nil, err
	}
	if _, err := netconf.ParsePublishes(f.Publish); err != nil {
		return nil, err
	}
	for _, d := range f.DNS {
		if _, err := netconf.ParseDNS(d); err != nil {
			return nil, err
		}
	}
	if mode.Kind != "bridge" && (len(f.Publish) > 0 || len(f.DNS) > 0) {
		return nil, fmt.Errorf("-p and --dns need --net bridge (the network is %s)", mode.Kind)
	}
	switch mode.Kind {
	case "none", "bridge":
		return &specs.LinuxNamespace{Type: specs.NetworkNamespace}, nil
	case "ns":
		return &specs.LinuxNamespace{Type: specs.NetworkNamespace, Path: mode.Path}, nil
	}
	return nil, nil
}
