// mycontainer is a small, readable Linux container runtime.
//
// The same binary is the CLI and, re-executed, the container's first
// stages: the C constructor in nsexec/ runs before Go starts and, when it
// finds the stage's socket in the environment, clones the container's
// init; this main() then hands that process to init/.

// Go (1.25+) re-reads the cgroup CPU limit every second to resize
// GOMAXPROCS: a `run` monitor that waits for hours on its container would
// read three cgroup files every second for nothing. And with
// containermaxprocs on, the runtime keeps the limit files open for the
// process's life: the --init reaper (PID 1, this binary) then held the
// container's cpu.cfs_quota_us and cpu.cfs_period_us open, fds a
// container process could see in /proc/1/fd (TestNoFDLeakInInitReaper,
// under load). Nothing here needs a cgroup-sized GOMAXPROCS: init and
// the stages run with GOMAXPROCS=1, the runtime mostly waits.
//
//go:debug updatemaxprocs=0
//go:debug containermaxprocs=0
package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	containerinit "mycontainer/init"
	"mycontainer/nsexec"

	"github.com/alecthomas/kong"
)

var version = "0.1.0-dev"

type cli struct {
	Version       versionFlag `help:"Print the version and exit (also -v)."`
	Root          string      `help:"Directory of the containers' state (default ${state_root}; /run/runc when installed as runc)." default:"${state_root}" placeholder:"DIR"`
	Log           string      `help:"Write errors (and --debug lines) to this file instead of stderr." placeholder:"FILE"`
	LogFormat     string      `help:"Log format: text or json." enum:"text,json" default:"text"`
	Debug         bool        `help:"Debug output; with run, the start-up timeline."`
	SystemdCgroup bool        `help:"Use systemd to manage cgroups (not supported: cgroupfs is used)."`
	Rootless      string      `help:"runc's rootless mode: auto, false, or true; as root all three are the same (true is refused without root: there is no rootless mode)." enum:"true,false,auto" default:"auto"`
	Criu          string      `help:"Accepted for runc compatibility: checkpoint and restore are not supported." placeholder:"PATH" hidden:""`
	CgroupManager string      `help:"cgroupfs, or disabled for containers without a cgroup of their own (podman --cgroups=disabled)." enum:"cgroupfs,disabled,systemd" default:"cgroupfs"`

	// The commands. kong builds its model by reflection, which on this
	// CLI cost ~1.8 ms of CPU per start when every command was a field;
	// runCLI registers only the one asked for (all of them for --help).
	Run runCmd `kong:"-"`
	// RunBundle is run's OCI form (--bundle), when bundleForm sees it.
	RunBundle runBundleCmd `kong:"-"`
	Create    createCmd    `kong:"-"`
	Start     startCmd     `kong:"-"`
	State     stateCmd     `kong:"-"`
	Kill      killCmd      `kong:"-"`
	Delete    deleteCmd    `kong:"-"`
	Exec      execCmd      `kong:"-"`
	Ps        psCmd        `kong:"-"`
	List      listCmd      `kong:"-"`
	Pause     pauseCmd     `kong:"-"`
	Resume    resumeCmd    `kong:"-"`
	Update    updateCmd    `kong:"-"`
	Events    eventsCmd    `kong:"-"`
	Spec      specCmd      `kong:"-"`
	Features  featuresCmd  `kong:"-"`
}

func main() {
	switch nsexec.CurrentRole() {
	case nsexec.RoleInit, nsexec.RoleSetup, nsexec.RoleExec:
		containerinit.Main() // never returns
	case nsexec.RoleReaper:
		containerinit.Reap(nsexec.ChildPID()) // never returns
	}
	// Not GOMAXPROCS(1) here: it saves ~0.5 ms of CPU on a short verb,
	// but a whole `run` got slower (wall +2-5 ms, bench/): with one P a
	// goroutine blocked in a syscall (the v1 cgroup attach waits for an
	// RCU grace period) holds up the others until Go's sysmon takes the P
	// back.
	os.Exit(runCLIAs(filepath.Base(os.Args[0]), os.Args[1:]))
}

// runCLI parses the command line and runs the chosen command, returning
// the process exit code. Bad flags exit 125, as docker's do.
// commands lists every command with its help, in --help order.
func (c *cli) commands() []struct {
	name, help string
	cmd        any
} {
	return []struct {
		name, help string
		cmd        any
	}{
		{"run", "Run a command in a new container (or, with --bundle, an OCI bundle).", &c.Run},
		{"create", "Create a container from an OCI bundle; start runs its process.", &c.Create},
		{"start", "Start a created container.", &c.Start},
		{"state", "Print a container's state as JSON.", &c.State},
		{"kill", "Send a signal to a container's init (or, with --all, every process).", &c.Kill},
		{"delete", "Delete a container and everything it holds.", &c.Delete},
		{"exec", "Run a process in a running container.", &c.Exec},
		{"ps", "List a container's processes.", &c.Ps},
		{"list", "List containers.", &c.List},
		{"pause", "Freeze every process of a container.", &c.Pause},
		{"resume", "Thaw a paused container.", &c.Resume},
		{"update", "Change a running container's resource limits.", &c.Update},
		{"events", "Print a container's stats (and OOM events) as JSON lines.", &c.Events},
		{"spec", "Write a default config.json.", &c.Spec},
		{"features", "Print what this runtime supports, as JSON.", &c.Features},
	}
}

// verbOf finds the command word: the first argument that is neither a
// global flag nor the value of one.
func verbOf(args []string) string {
	verb, _ := verbAt(args)
	return verb
}

// verbAt is verbOf with the index of the verb (-1 without one).
func verbAt(args []string) (string, int) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--root" || a == "--log" || a == "--log-format" || a == "--cgroup-manager" || a == "--rootless" || a == "--criu":
			i++ // its value follows
		case strings.HasPrefix(a, "-"):
		default:
			return a, i
		}
	}
	return "", -1
}

// stateRoot is --root's default: installed as runc, runc's own, so that
// tools which look there (or a user's habits) find the containers.
func stateRoot(name string) string {
	if name == "runc" {
		return "/run/runc"
	}
	return "/run/mycontainer"
}

// runCLI is runCLIAs under the name mycontainer.
func runCLI(args []string) int { return runCLIAs("mycontainer", args) }

// runCLIAs parses the command line of the binary invoked as name (runc
// when installed under that name: see ociRunForm) and runs the command.
func runCLIAs(name string, args []string) int {
	start := now()
	if code, ok := imageCLI(args); ok { // pull, import, images, rmi, image (cmd_image.go)
		return code
	}
	if code, ok := networkCLI(args); ok { // network ls|inspect|prune (cmd_network.go)
		return code
	}
	if wantsVersion(args) {
		printVersion(name)
		return 0
	}
	if c, command, ok := fastParse(name, args); ok {
		return c.oci(command, start)
	}
	if verbOf(args) == "ps" {
		args = psOptionsApart(args)
	}
	var c cli
	command, lean, err := c.parse(name, args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mycontainer: %v\n", err)
		return exitRuntime
	}
	if strings.HasPrefix(command, "run") && !lean && !c.Run.ociFlagged() {
		return c.Run.run(start, c.Debug)
	}
	return c.oci(command, start)
}

// parse fills c from the command line with kong, and returns kong's name
// of the command and whether run is its OCI form (lean).
func (c *cli) parse(name string, args []string) (command string, lean bool, err error) {
	verb, _ := verbAt(args)
	asRunc := name == "runc"
	var opts []kong.Option
	known := false
	for _, cmd := range c.commands() {
		known = known || cmd.name == verb
	}
	// run's OCI form gets a command with only the OCI flags: kong's model
	// of run's 26 flags cost ~0.9 ms per start, of these nine ~0.3 ms.
	lean = verb == "run" && (asRunc || ociRunForm(args))
	for _, cmd := range c.commands() {
		if lean && cmd.name == "run" {
			cmd.cmd = &c.RunBundle
		}
		if !known || cmd.name == verb {
			opts = append(opts, kong.DynamicCommand(cmd.name, cmd.help, "", cmd.cmd))
		}
	}
	parser, err := kong.New(c, append(opts,
		kong.Name(name),
		kong.Description(`A small, readable Linux container runtime.

Examples:
  sudo mycontainer run /bin/bash                    # the host's / read-only, with its own /proc, /dev, /tmp
  sudo mycontainer run --rootfs ./alpine /bin/sh    # a rootfs directory
  sudo mycontainer run --debug --rootfs R /bin/true # print the start-up timeline`),
		kong.Vars{"state_root": stateRoot(name)},
		kong.UsageOnError(),
		kong.Exit(func(code int) { os.Exit(code) }),
	)...)
	if err != nil {
		return "", false, fmt.Errorf("build CLI: %w", err)
	}
	ctx, err := parser.Parse(args)
	if err != nil {
		return "", false, err
	}
	return ctx.Command(), lean, nil
}

// fail prints one line naming what failed and returns its exit code.
func fail(err error) int {
	fmt.Fprintf(os.Stderr, "mycontainer: %v\n", err)
	var ce interface{ ExitCode() int }
	if errors.As(err, &ce) {
		return ce.ExitCode()
	}
	return exitRuntime
}
