package main

import (
	"errors"
	"fmt"
	"os"
	"text/tabwriter"
	"time"

	"mycontainer/container"
)

// The OCI verbs that do more than call one container.OCI method.

// verbResult is runc's exit code for a verb's error: 1, or 0 without one.
func verbResult(err error) (int, error) {
	if err != nil {
		return 1, err
	}
	return 0, nil
}

// runBundle is run's OCI form, parsed by the lean OCI command or, when
// flags came in another order, by run's full flag set.
func (c *cli) runBundle(o *container.OCI) (int, error) {
	r := c.RunBundle
	if r.ID == "" {
		f := c.Run
		if friendly := f.friendlyFlag(); friendly != "" {
			return 1, fmt.Errorf("%s is a flag of the friendly run (run CMD), and the OCI run's flags were given too: use one form (see run --help)", friendly)
		}
		if len(f.Command) != 1 {
			return 1, fmt.Errorf("the OCI run takes exactly one argument, the container ID, not %q", f.Command)
		}
		r = runBundleCmd{Bundle: f.Bundle, Detach: f.Detach, PidFile: f.PidFile, ConsoleSocket: f.ConsoleSocket,
			Keep: f.Keep, PreserveFds: f.PreserveFds, ID: f.Command[0]}
		if r.Bundle == "" {
			r.Bundle = "."
		}
	}
	if r.Detach && r.Keep {
		return 1, errors.New("--keep and --detach: a detached container is never deleted by run; drop --keep")
	}
	return o.RunBundle(container.CreateOptions{ID: r.ID, Bundle: r.Bundle, PidFile: r.PidFile,
		ConsoleSocket: r.ConsoleSocket, PreserveFds: listenFds() + r.PreserveFds, ExtraEnv: listenEnv(),
		Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, r.Detach, r.Keep)
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
	w := tabwriter.NewWriter(os.Stdout, 12, 1, 3, ' ', 0) // runc's columns
	fmt.Fprintln(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER")
	for _, s := range all {
		fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format(time.RFC3339Nano), s.Owner)
	}
	return w.Flush()
}
