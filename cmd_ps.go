package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"

	"mycontainer/container"
)

// ps prints the container's processes as runc does: the PIDs as JSON, or
// ps(1)'s output (with the options given, -ef by default) cut down to its
// header and the lines of the container's processes.
func (c *cli) ps(o *container.OCI) error {
	pids, err := o.Ps(c.Ps.ID)
	if err != nil {
		return err
	}
	if c.Ps.Format == "json" {
		return printJSON(pids)
	}
	args := c.Ps.PsArgs
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		args = []string{"-ef"}
	}
	var stderr bytes.Buffer
	cmd := exec.Command("ps", args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return fmt.Errorf("run ps %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	lines := strings.Split(strings.TrimRight(string(out), "\n"), "\n")
	col := slices.Index(strings.Fields(lines[0]), "PID")
	if col < 0 {
		return errors.New("ps output has no PID column: give ps options that print one (for example -o pid,cmd)")
	}
	var b strings.Builder
	b.WriteString(lines[0] + "\n")
	for _, line := range lines[1:] {
		f := strings.Fields(line)
		if len(f) <= col {
			continue
		}
		if pid, err := strconv.Atoi(f[col]); err == nil && slices.Contains(pids, pid) {
			b.WriteString(line + "\n")
		}
	}
	_, err = os.Stdout.WriteString(b.String())
	return err
}

// psOptionsApart puts a "--" after ps's container ID, so that what follows
// it (ps(1)'s own options, -o pid,cmd) is not taken for ps's flags: as
// under runc, ps's flags come before the ID.
func psOptionsApart(args []string) []string {
	_, at := verbAt(args)
	for i := at + 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return args
		case a == "-f" || a == "--format":
			i++ // its value follows
		case strings.HasPrefix(a, "-"):
		default:
			if i+1 == len(args) || args[i+1] == "--" {
				return args
			}
			out := append(append([]string{}, args[:i+1]...), "--")
			return append(out, args[i+1:]...)
		}
	}
	return args
}
