package main

import (
	"errors"
	"fmt"
	"os"
	"time"

	"mycontainer/container"
	"mycontainer/spec"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"golang.org/x/sys/unix"
)

const exitRuntime = container.ExitRuntime

type runCmd struct {
	Rootfs        string   `help:"Root filesystem directory. Without it (or with /), the container sees the host's / read-only." placeholder:"DIR"`
	Hostname      string   `help:"Hostname inside the container." default:"container-host"`
	Init          bool     `help:"Run a reaping init as PID 1 that forwards signals to the command (PID 2)."`
	Env           []string `short:"e" help:"Set an environment variable (K=V, or K to copy it from the caller)." placeholder:"K=V"`
	Workdir       string   `short:"w" help:"Working directory inside the container (created if missing)." placeholder:"DIR"`
	User          string   `short:"u" help:"User to run as: UID[:GID] or a name from the rootfs's /etc/passwd." placeholder:"UID[:GID]"`
	TTY           *bool    `short:"t" name:"tty" negatable:"" help:"Allocate a pty (default: when stdin is a terminal)."`
	Net           string   `help:"Network: host shares the host's network; none is a new namespace with only lo; bridge puts the container on mycontainer's bridge (myc0) with its own address and NAT; ns:PATH joins an existing network namespace." default:"host" placeholder:"MODE"`
	Publish       []string `short:"p" help:"With --net bridge: publish a container port on the host, [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp] (repeatable)." placeholder:"SPEC"`
	DNS           []string `name:"dns" help:"With --net bridge: the container's nameserver (repeatable; default: the host's, loopback ones dropped)." placeholder:"IP"`
	Volume        []string `short:"v" help:"Bind a host path: SRC:DST[:ro]." placeholder:"SRC:DST[:ro]"`
	StopTimeout   int      `help:"After a SIGTERM or SIGINT to mycontainer, wait this long for the container to stop, then SIGKILL it (-1: wait for ever). A second Ctrl-C (SIGINT) kills at once." default:"10" placeholder:"SECONDS"`
	Privileged    bool     `help:"Give the container every capability and no seccomp filter, masked paths or device rules (the defaults are docker's)." group:"Security"`
	CapAdd        []string `name:"cap-add" help:"Add a capability to docker's default 14 (ALL for every one)." placeholder:"CAP" group:"Security"`
	CapDrop       []string `name:"cap-drop" help:"Drop a capability (ALL for every one)." placeholder:"CAP" group:"Security"`
	SecurityOpt   []string `name:"security-opt" help:"seccomp=unconfined, seccomp=FILE (a docker profile), no-new-privileges." placeholder:"OPT" group:"Security"`
	ReadOnly      bool     `name:"read-only" help:"Mount the container's root filesystem read-only." group:"Security"`
	Image         string   `help:"Run an image from the store (pull or import it first) on a copy-on-write overlayfs root; its Entrypoint, Cmd, Env, WorkingDir and User apply unless flags change them." placeholder:"REF" group:"Images"`
	Entrypoint    *string  `help:"With --image: replace the image's Entrypoint (\"\" clears it)." placeholder:"CMD" group:"Images"`
	Overlay       bool     `help:"With --rootfs: a copy-on-write root over DIR, which itself is never changed." group:"Images"`
	Name          string   `help:"With --image or --overlay: name the container and keep its files (the upper directory) after it exits, under the store's kept/NAME/; mycontainer rm NAME removes them." placeholder:"NAME" group:"Images"`
	Storage       string   `help:"Image store directory (default: $MYCONTAINER_STORAGE, else /var/lib/mycontainer)." placeholder:"DIR" group:"Images"`
	Bundle        string   `short:"b" help:"OCI form: run the bundle in DIR (default: the current directory); the one argument is the container ID." placeholder:"DIR" group:"OCI form (any of these flags)"`
	Detach        bool     `short:"d" help:"OCI form: return once the container runs." group:"OCI form (any of these flags)"`
	PidFile       string   `help:"OCI form: write init's PID here." placeholder:"FILE" group:"OCI form (any of these flags)"`
	ConsoleSocket string   `help:"OCI form: send the pty master to this unix socket." placeholder:"PATH" group:"OCI form (any of these flags)"`
	Keep          bool     `help:"OCI form: do not delete the container after it exits. With --image or --overlay: keep the container's files under a made-up name (see --name)." group:"OCI form (any of these flags)"`
	PreserveFds   int      `help:"OCI form: pass the caller's fds 3 to 3+N-1 to the container's process." placeholder:"N" group:"OCI form (any of these flags)"`
	NoPivot       bool     `help:"OCI form: accepted for runc compatibility; pivot_root is always used." group:"OCI form (any of these flags)"`
	NoNewKeyring  bool     `help:"OCI form: accepted for runc compatibility (no new session keyring is made)." group:"OCI form (any of these flags)"`
	NoSubreaper   bool     `help:"OCI form: accepted for runc compatibility (the runtime never becomes a subreaper)." group:"OCI form (any of these flags)"`

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
	Command           []string `arg:"" optional:"" passthrough:"partial" help:"Command and arguments (with --image, they replace the image's Cmd)."`
}

func (r *runCmd) Help() string {
	return `Examples:
  sudo mycontainer run /bin/bash                       # host / read-only, own /proc, /dev, /tmp, /run
  sudo mycontainer run --rootfs ./alpine /bin/sh       # a rootfs directory
  sudo mycontainer run --rootfs R --init -- sleep 100  # init reaps zombies and forwards signals
  sudo mycontainer run --rootfs R --net none -e A=1 -w /srv -u 1000:1000 -- id

With any OCI flag (--bundle, -d, --pid-file, --console-socket, --keep,
--preserve-fds, ...), or when the binary is invoked as runc, run is the OCI
form: "run [-b DIR] [-d] ID" runs DIR/config.json (DIR defaults to the
current directory), like runc run. Otherwise the arguments are the command.

Exit status: the command's own, 128+N if signal N killed it, 125 if
mycontainer failed, 126 if the command cannot be executed, 127 if it is
not found.`
}

func (r *runCmd) run(start uint64, debug bool) int {
	// kong keeps a "--" that separates the command from the flags.
	if len(r.Command) > 0 && r.Command[0] == "--" {
		r.Command = r.Command[1:]
	}
	if len(r.Command) == 0 && r.Image == "" {
		return fail(errors.New("run: no command given"))
	}
	if r.Name != "" && r.Image == "" && !r.Overlay {
		return fail(fmt.Errorf("--name %s: only a container with --image or --overlay has files to keep", r.Name))
	}
	if hint := r.bundleHint(); hint != "" {
		fmt.Fprintf(os.Stderr, "mycontainer: %s\n", hint)
		return container.ExitNotFound
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
	tty := isTerminal(os.Stdin)
	if r.TTY != nil {
		tty = *r.TTY
	}
	f := &spec.Friendly{
		Rootfs: r.Rootfs, Hostname: r.Hostname, Workdir: r.Workdir, User: r.User, Net: r.Net,
		Env: r.Env, Volumes: r.Volume, Publish: r.Publish, DNS: r.DNS, Command: r.Command, TTY: tty, Console: consoleSize(tty),
		Memory: r.Memory, MemorySwap: r.MemorySwap, MemoryReservation: r.MemoryReservation,
		CPUs: r.CPUs, CPUShares: r.CPUShares, CpusetCpus: r.CpusetCpus, CpusetMems: r.CpusetMems,
		PidsLimit: r.PidsLimit, BlkioWeight: r.BlkioWeight,
		Security: spec.Security{Privileged: r.Privileged, CapAdd: r.CapAdd, CapDrop: r.CapDrop,
			SecurityOpt: r.SecurityOpt, ReadOnly: r.ReadOnly},
	}
	if r.Image != "" || r.Overlay {
		t := now()
		cleanup, err := r.imageRoot(f)
		if err != nil {
			return fail(err)
		}
		defer cleanup()
		tl.Add("image root", t, now())
	}
	code, err := container.RunFriendly(f, container.FriendlyOptions{
		Init: r.Init, CgroupParent: r.CgroupParent, StopTimeout: time.Duration(r.StopTimeout) * time.Second,
		Debug: debug, Timeline: tl, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr,
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "mycontainer: %v\n", err)
	}
	return code
}

// consoleSize is the caller's terminal size, for a pty of the same size.
func consoleSize(tty bool) *specs.Box {
	if !tty {
		return nil
	}
	ws, err := unix.IoctlGetWinsize(int(os.Stdin.Fd()), unix.TIOCGWINSZ)
	if err != nil {
		return nil
	}
	return &specs.Box{Height: uint(ws.Row), Width: uint(ws.Col)}
}

func isTerminal(f *os.File) bool {
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}

func now() uint64 { return container.Now() }
