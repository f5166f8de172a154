// mycontainer is a small, readable Linux container runtime.
//
// The same binary is the CLI and, re-executed, the container's first
// stages: the C constructor in nsexec/ runs before Go starts and, when it
// finds the stage's socket in the environment, clones the container's
// init; this main() then hands that process to init/.
package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	containerinit "mycontainer/init"
	"mycontainer/nsexec"

	"github.com/alecthomas/kong"
)

var version = "0.1.0-dev"

type cli struct {
	Version       kong.VersionFlag `help:"Print the version and exit."`
	Root          string           `help:"Directory of the containers' state." default:"/run/mycontainer" placeholder:"DIR"`
	Log           string           `help:"Write errors (and --debug lines) to this file instead of stderr." placeholder:"FILE"`
	LogFormat     string           `help:"Log format: text or json." enum:"text,json" default:"text"`
	Debug         bool             `help:"Debug output; with run, the start-up timeline."`
	SystemdCgroup bool             `help:"Use systemd to manage cgroups (not supported: cgroupfs is used)."`
	CgroupManager string           `help:"cgroupfs, or disabled for containers without a cgroup of their own (podman --cgroups=disabled)." enum:"cgroupfs,disabled,systemd" default:"cgroupfs"`

	Run      runCmd      `cmd:"" help:"Run a command in a new container (or, with --bundle, an OCI bundle)."`
	Create   createCmd   `cmd:"" help:"Create a container from an OCI bundle; start runs its process."`
	Start    startCmd    `cmd:"" help:"Start a created container."`
	State    stateCmd    `cmd:"" help:"Print a container's state as JSON."`
	Kill     killCmd     `cmd:"" help:"Send a signal to a container's init (or, with --all, every process)."`
	Delete   deleteCmd   `cmd:"" help:"Delete a container and everything it holds."`
	Exec     execCmd     `cmd:"" help:"Run a process in a running container."`
	Ps       psCmd       `cmd:"" help:"List a container's processes."`
	List     listCmd     `cmd:"" help:"List containers."`
	Pause    pauseCmd    `cmd:"" help:"Freeze every process of a container."`
	Resume   resumeCmd   `cmd:"" help:"Thaw a paused container."`
	Update   updateCmd   `cmd:"" help:"Change a running container's resource limits."`
	Events   eventsCmd   `cmd:"" help:"Print a container's stats (and OOM events) as JSON lines."`
	Spec     specCmd     `cmd:"" help:"Write a default config.json."`
	Features featuresCmd `cmd:"" help:"Print what this runtime supports, as JSON."`
}

func main() {
	switch nsexec.CurrentRole() {
	case nsexec.RoleInit, nsexec.RoleSetup, nsexec.RoleExec:
		containerinit.Main() // never returns
	case nsexec.RoleReaper:
		containerinit.Reap(nsexec.ChildPID()) // never returns
	}
	os.Exit(runCLI(os.Args[1:]))
}

// runCLI parses the command line and runs the chosen command, returning
// the process exit code. Bad flags exit 125, as docker's do.
func runCLI(args []string) int {
	start := now()
	var c cli
	parser, err := kong.New(&c,
		kong.Name("mycontainer"),
		kong.Description(`A small, readable Linux container runtime.

Examples:
  sudo mycontainer run /bin/bash                    # the host's / read-only, with its own /proc, /dev, /tmp
  sudo mycontainer run --rootfs ./alpine /bin/sh    # a rootfs directory
  sudo mycontainer run --debug --rootfs R /bin/true # print the start-up timeline`),
		kong.Vars{"version": "mycontainer " + version},
		kong.UsageOnError(),
		kong.Exit(func(code int) { os.Exit(code) }),
	)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mycontainer: build CLI: %v\n", err)
		return exitRuntime
	}
	ctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mycontainer: %v\n", err)
		return exitRuntime
	}
	if strings.HasPrefix(ctx.Command(), "run") && c.Run.Bundle == "" {
		return c.Run.run(start, c.Debug)
	}
	return c.oci(ctx.Command())
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
