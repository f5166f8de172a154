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

	containerinit "mycontainer/init"
	"mycontainer/nsexec"

	"github.com/alecthomas/kong"
)

var version = "0.1.0-dev"

type cli struct {
	Version kong.VersionFlag `help:"Print the version and exit."`
	Run     runCmd           `cmd:"" help:"Run a command in a new container."`
}

func main() {
	switch nsexec.CurrentRole() {
	case nsexec.RoleInit, nsexec.RoleSetup:
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
	switch ctx.Command() {
	case "run <command>":
		return c.Run.run(start)
	}
	fmt.Fprintf(os.Stderr, "mycontainer: unknown command %q\n", ctx.Command())
	return exitRuntime
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
