package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mycontainer/cgroups"
	"mycontainer/container"
	"mycontainer/rootfs"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"golang.org/x/sys/unix"
)

const exitRuntime = container.ExitRuntime

const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

type runCmd struct {
	Rootfs        string   `help:"Root filesystem directory. Without it (or with /), the container sees the host's / read-only." placeholder:"DIR"`
	Hostname      string   `help:"Hostname inside the container." default:"container-host"`
	Init          bool     `help:"Run a reaping init as PID 1 that forwards signals to the command (PID 2)."`
	Env           []string `short:"e" help:"Set an environment variable (K=V, or K to copy it from the caller)." placeholder:"K=V"`
	Workdir       string   `short:"w" help:"Working directory inside the container (created if missing)." placeholder:"DIR"`
	User          string   `short:"u" help:"User to run as: UID[:GID] or a name from the rootfs's /etc/passwd." placeholder:"UID[:GID]"`
	TTY           *bool    `short:"t" name:"tty" negatable:"" help:"Allocate a pty (default: when stdin is a terminal)."`
	Net           string   `help:"Network: host shares the host's network; none is a new namespace with only lo." enum:"host,none" default:"host"`
	Volume        []string `short:"v" help:"Bind a host path: SRC:DST[:ro]." placeholder:"SRC:DST[:ro]"`
	StopTimeout   int      `help:"After a SIGTERM or SIGINT to mycontainer, wait this long for the container to stop, then SIGKILL it (-1: wait for ever). A second Ctrl-C (SIGINT) kills at once." default:"10" placeholder:"SECONDS"`
	Bundle        string   `short:"b" help:"OCI form: run the bundle in DIR; the one argument is the container ID." placeholder:"DIR" group:"OCI (with --bundle)"`
	Detach        bool     `short:"d" help:"OCI form: return once the container runs." group:"OCI (with --bundle)"`
	PidFile       string   `help:"OCI form: write init's PID here." placeholder:"FILE" group:"OCI (with --bundle)"`
	ConsoleSocket string   `help:"OCI form: send the pty master to this unix socket." placeholder:"PATH" group:"OCI (with --bundle)"`
	NoPivot       bool     `help:"OCI form: accepted for runc compatibility; pivot_root is always used." group:"OCI (with --bundle)"`
	NoNewKeyring  bool     `help:"OCI form: accepted for runc compatibility (no new session keyring is made)." group:"OCI (with --bundle)"`

	Memory            string   `help:"Memory limit, e.g. 64m or 1g (at least 6m)." group:"Resource limits (cgroups)" placeholder:"BYTES"`
	MemorySwap        string   `help:"Memory plus swap limit; -1 for unlimited swap." group:"Resource limits (cgroups)" placeholder:"BYTES"`
	MemoryReservation string   `help:"Soft memory limit." group:"Resource limits (cgroups)" placeholder:"BYTES"`
	CPUs              string   `name:"cpus" help:"Number of CPUs, e.g. 0.5 (sets the CFS quota and period)." group:"Resource limits (cgroups)" placeholder:"N"`
	CPUShares         string   `name:"cpu-shares" help:"Relative CPU weight, 2-262144 (v2: converted to cpu.weight)." group:"Resource limits (cgroups)" placeholder:"N"`
	CpusetCpus        string   `help:"CPUs to run on, e.g. 0-2,4." group:"Resource limits (cgroups)" placeholder:"LIST"`
	CpusetMems        string   `help:"Memory nodes to use, e.g. 0." group:"Resource limits (cgroups)" placeholder:"LIST"`
	PidsLimit         string   `help:"Maximum number of processes; -1 for unlimited." group:"Resource limits (cgroups)" placeholder:"N"`
	BlkioWeight       string   `help:"Relative block I/O weight, 10-1000 (v2: converted to io.weight)." group:"Resource limits (cgroups)" placeholder:"N"`
	CgroupParent      string   `help:"Parent cgroup of the container's cgroup (default from $MYCONTAINER_CGROUP_PARENT)." env:"MYCONTAINER_CGROUP_PARENT" default:"mycontainer" group:"Resource limits (cgroups)" placeholder:"PATH"`
	Command           []string `arg:"" passthrough:"partial" help:"Command and arguments."`

	hostRoot bool // the root is the host's own /: bound read-only
}

func (r *runCmd) Help() string {
	return `Examples:
  sudo mycontainer run /bin/bash                       # host / read-only, own /proc, /dev, /tmp, /run
  sudo mycontainer run --rootfs ./alpine /bin/sh       # a rootfs directory
  sudo mycontainer run --rootfs R --init -- sleep 100  # init reaps zombies and forwards signals
  sudo mycontainer run --rootfs R --net none -e A=1 -w /srv -u 1000:1000 -- id

With --bundle, run is the OCI form: "run --bundle DIR [--detach] ID" runs
the bundle's config.json, like runc run. Without it, the arguments are the
command to run.

Exit status: the command's own, 128+N if signal N killed it, 125 if
mycontainer failed, 126 if the command cannot be executed, 127 if it is
not found.`
}

func (r *runCmd) run(start uint64, debug bool) int {
	// kong keeps a "--" that separates the command from the flags.
	if len(r.Command) > 0 && r.Command[0] == "--" {
		r.Command = r.Command[1:]
	}
	if len(r.Command) == 0 {
		return fail(errors.New("run: no command given"))
	}
	if r.StopTimeout < -1 {
		return fail(fmt.Errorf("--stop-timeout %d: want seconds to wait, 0 to kill at once, or -1 to wait for ever", r.StopTimeout))
	}
	var tl *container.Timeline
	if debug {
		tl = &container.Timeline{Origin: start}
		tl.Add("parse", start, now())
		defer tl.Print(os.Stderr)
	}
	if os.Geteuid() != 0 {
		return fail(fmt.Errorf("run: root is needed (running as uid %d): namespaces, mounts and pivot_root need CAP_SYS_ADMIN; try sudo", os.Geteuid()))
	}
	t := now()
	s, err := r.spec()
	if err != nil {
		return fail(err)
	}
	res, err := r.resources()
	if err != nil {
		return fail(err)
	}
	cg, err := container.NewCgroup(r.CgroupParent, res)
	if err != nil {
		return fail(err)
	}
	layout, err := cg.Layout()
	if err != nil {
		return fail(err)
	}
	// From here on `run` is an OCI bundle held in memory: the same planning.
	bs, err := container.PlanRun(s, layout)
	if err != nil {
		return fail(err)
	}
	bs.Init, bs.Debug = r.Init, debug
	// `run` owns its container: it must not outlive the runtime.
	bs.Pdeathsig = true
	// The default root is the host's whole tree, read-only down to every
	// submount (the spec's root.readonly only covers the root mount).
	bs.RootReadonly = r.hostRoot
	tl.Add("validate", t, now())
	code, err := container.Run(container.Options{
		Bootstrap: bs, Timeline: tl, Cgroup: cg, SweepDeadRuns: true,
		Stop:  &container.StopPolicy{Timeout: time.Duration(r.StopTimeout) * time.Second},
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "mycontainer: %v\n", err)
	}
	return code
}

// spec checks every flag and the rootfs, and writes the container down as
// a config.json would. All validation happens here, in the parent, before
// anything is created.
func (r *runCmd) spec() (*specs.Spec, error) {
	if err := validateHostname(r.Hostname); err != nil {
		return nil, err
	}
	cwd := r.Workdir
	if cwd == "" {
		cwd = "/"
	} else if !filepath.IsAbs(cwd) {
		return nil, fmt.Errorf("workdir %q: must be an absolute path", cwd)
	}
	rootPath := "/"
	if r.Rootfs != "" {
		abs, err := filepath.Abs(r.Rootfs)
		if err != nil {
			return nil, fmt.Errorf("rootfs %s: %w", r.Rootfs, err)
		}
		// The rootfs path is the caller's own choice, so following its
		// symlinks here is fine; paths *inside* it never are.
		if rootPath, err = filepath.EvalSymlinks(abs); err != nil {
			return nil, rootfsErr(abs, err)
		}
	}
	root, err := rootfs.OpenRoot(rootPath)
	if err != nil {
		return nil, err
	}
	defer unix.Close(root)
	// `--rootfs /` (or a bind mount of /) is the default form spelled
	// out: it gets the same read-only host root, never a writable one.
	if r.hostRoot, err = isHostRoot(root); err != nil {
		return nil, err
	}

	user, err := rootfs.LookupUser(root, r.User)
	if err != nil {
		return nil, err
	}
	tty := isTerminal(os.Stdin)
	if r.TTY != nil {
		tty = *r.TTY
	}
	proc := &specs.Process{Terminal: tty, Args: r.Command, Cwd: cwd,
		User: specs.User{UID: user.UID, GID: user.GID}}
	if len(user.AddGIDs) > 1 {
		proc.User.AdditionalGids = user.AddGIDs[1:] // the first is the primary group
	}
	if tty {
		if ws, err := unix.IoctlGetWinsize(int(os.Stdin.Fd()), unix.TIOCGWINSZ); err == nil {
			proc.ConsoleSize = &specs.Box{Height: uint(ws.Row), Width: uint(ws.Col)}
		}
	}
	if proc.Env, err = buildEnv(r.Env, r.Hostname, user.Home, tty); err != nil {
		return nil, err
	}
	if _, err := rootfs.LookPath(root, r.Command[0], envValue(proc.Env, "PATH"), cwd); err != nil {
		return nil, commandErr(err)
	}
	var vols []rootfs.Volume
	for _, spec := range r.Volume {
		v, err := parseVolume(spec)
		if err != nil {
			return nil, err
		}
		vols = append(vols, v)
	}
	namespaces := []specs.LinuxNamespace{{Type: specs.PIDNamespace}, {Type: specs.MountNamespace},
		{Type: specs.UTSNamespace}, {Type: specs.IPCNamespace},
		// A cgroup namespace: inside, /sys/fs/cgroup shows the container's
		// own cgroup as its root, read-only.
		{Type: specs.CgroupNamespace}}
	if r.Net == "none" {
		namespaces = append(namespaces, specs.LinuxNamespace{Type: specs.NetworkNamespace})
	}
	return &specs.Spec{
		Version:  specs.Version,
		Root:     &specs.Root{Path: rootPath},
		Hostname: r.Hostname,
		Process:  proc,
		Mounts:   rootfs.DefaultMounts(r.hostRoot, vols),
		Linux:    &specs.Linux{Namespaces: namespaces},
	}, nil
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

func rootfsErr(p string, err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("rootfs %s: no such directory", p)
	}
	return fmt.Errorf("rootfs %s: %w", p, err)
}

func commandErr(err error) error {
	code := exitRuntime
	switch {
	case errors.Is(err, rootfs.ErrCommandNotFound):
		code = container.ExitNotFound
	case errors.Is(err, rootfs.ErrNotExecutable):
		code = container.ExitNotExecutable
	}
	return &container.Error{Code: code, Msg: "find command in rootfs: " + err.Error(), Err: err}
}

// validateHostname applies RFC 1123 and the kernel's 64-byte limit.
func validateHostname(h string) error {
	if h == "" || len(h) > 64 {
		return fmt.Errorf("hostname %q: must be 1 to 64 characters (it has %d)", h, len(h))
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return fmt.Errorf("hostname %q: each dot-separated label must be 1 to 63 characters and not start or end with '-'", h)
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
				return fmt.Errorf("hostname %q: character %q is not allowed (letters, digits, '-' and '.' only)", h, c)
			}
		}
	}
	return nil
}

// buildEnv gives the command docker's default environment, then -e values.
func buildEnv(flags []string, hostname, home string, tty bool) ([]string, error) {
	env := []string{"PATH=" + defaultPath, "HOSTNAME=" + hostname, "HOME=" + home}
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

// parseVolume reads -v SRC:DST[:ro|rw]. The source must exist on the host.
func parseVolume(spec string) (rootfs.Volume, error) {
	parts := strings.Split(spec, ":")
	if len(parts) < 2 || len(parts) > 3 || parts[0] == "" || parts[1] == "" {
		return rootfs.Volume{}, fmt.Errorf("volume %q: want SRC:DST[:ro]", spec)
	}
	v := rootfs.Volume{Target: parts[1]}
	if len(parts) == 3 {
		switch parts[2] {
		case "ro":
			v.ReadOnly = true
		case "rw":
		default:
			return v, fmt.Errorf("volume %q: option %q is not ro or rw", spec, parts[2])
		}
	}
	if !filepath.IsAbs(parts[0]) || !filepath.IsAbs(v.Target) {
		return v, fmt.Errorf("volume %q: both paths must be absolute", spec)
	}
	if _, err := os.Stat(parts[0]); err != nil {
		return v, fmt.Errorf("volume %q: source: %w", spec, err)
	}
	v.Source = filepath.Clean(parts[0])
	return v, nil
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func now() uint64 { return container.Now() }

// resources turns the docker-style limit flags into cgroup resources,
// with units, and validates them all before anything is created.
func (r *runCmd) resources() (*cgroups.Resources, error) {
	res := &cgroups.Resources{CpusetCpus: r.CpusetCpus, CpusetMems: r.CpusetMems}
	var err error
	parse := func(flag, v string, f func(string) error) {
		if err == nil && v != "" {
			if e := f(v); e != nil {
				err = fmt.Errorf("--%s %q: %w", flag, v, e)
			}
		}
	}
	parse("memory", r.Memory, func(v string) (e error) { res.Memory, e = cgroups.ParseBytes(v); return })
	parse("memory-swap", r.MemorySwap, func(v string) (e error) { res.MemorySwap, e = cgroups.ParseMemorySwap(v); return })
	parse("memory-reservation", r.MemoryReservation, func(v string) (e error) { res.MemoryReservation, e = cgroups.ParseBytes(v); return })
	parse("cpus", r.CPUs, func(v string) (e error) { res.CPUQuota, res.CPUPeriod, e = cgroups.ParseCPUs(v); return })
	parse("cpu-shares", r.CPUShares, func(v string) (e error) { res.CPUShares, e = strconv.ParseUint(v, 10, 64); return })
	parse("pids-limit", r.PidsLimit, func(v string) (e error) {
		res.PidsLimit, e = strconv.ParseInt(v, 10, 64)
		if e == nil && res.PidsLimit < -1 || res.PidsLimit == 0 && e == nil {
			e = errors.New("want a positive number, or -1 for unlimited")
		}
		return
	})
	parse("blkio-weight", r.BlkioWeight, func(v string) error {
		w, e := strconv.ParseUint(v, 10, 16)
		res.BlkioWeight = uint16(w)
		return e
	})
	if err != nil {
		return nil, err
	}
	if err := res.Validate(); err != nil {
		return nil, err
	}
	return res, nil
}
