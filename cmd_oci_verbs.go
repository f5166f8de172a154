package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"mycontainer/container"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The OCI verbs that do more than call one container.OCI method.

// verbResult is runc's exit code for a verb's error: 1, or 0 without one.
func verbResult(err error) (int, error) {
	if err != nil {
		return 1, err
	}
	return 0, nil
}

// runBundle is `run --bundle DIR ID`, parsed by the lean OCI command or,
// when flags came in another order, by run's full flag set.
func (c *cli) runBundle(o *container.OCI) (int, error) {
	r := c.RunBundle
	if r.Bundle == "" {
		if len(c.Run.Command) != 1 {
			return 1, errors.New("with --bundle, run takes exactly one argument: the container ID")
		}
		r = runBundleCmd{Bundle: c.Run.Bundle, Detach: c.Run.Detach, PidFile: c.Run.PidFile,
			ConsoleSocket: c.Run.ConsoleSocket, ID: c.Run.Command[0]}
	}
	return o.RunBundle(container.CreateOptions{ID: r.ID, Bundle: r.Bundle, PidFile: r.PidFile,
		ConsoleSocket: r.ConsoleSocket, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, r.Detach)
}

// ps prints the container's processes: a table or the PIDs as JSON.
func (c *cli) ps(o *container.OCI) error {
	pids, err := o.Ps(c.Ps.ID)
	if err != nil {
		return err
	}
	if c.Ps.Format == "json" {
		return printJSON(pids)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "PID\tCMD")
	for _, p := range pids {
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
		fmt.Fprintf(w, "%d\t%s\n", p, strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " ")))
	}
	return w.Flush()
}

// list prints every container: IDs only, JSON, or runc's table.
func (c *cli) list(o *container.OCI) error {
	all, err := o.List()
	if err != nil {
		return err
	}
	switch {
	case c.List.Quiet:
		for _, s := range all {
			fmt.Println(s.ID)
		}
		return nil
	case c.List.Format == "json":
		return printJSON(all)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
	fmt.Fprintln(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER")
	for _, s := range all {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format(time.RFC3339Nano), s.Owner)
	}
	return w.Flush()
}

// update reads a linux.resources object from a file or stdin.
func (c *cli) update(o *container.OCI) error {
	var b []byte
	var err error
	if c.Update.Resources == "-" {
		b, err = io.ReadAll(os.Stdin)
	} else {
		b, err = os.ReadFile(c.Update.Resources)
	}
	if err != nil {
		return fmt.Errorf("--resources: %w", err)
	}
	r := &specs.LinuxResources{}
	if err := json.Unmarshal(b, r); err != nil {
		return fmt.Errorf("--resources %s: %w", c.Update.Resources, err)
	}
	return o.Update(c.Update.ID, r)
}
