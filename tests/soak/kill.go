package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Where a SIGKILL landed, read from the runtime's process tree the moment
// before it was sent. The stages name themselves (myc:[stage-1],
// myc:[init], myc:[setup], myc:[exec]) until the container's command
// replaces them, so the names tell the phase apart without slowing the
// runtime down.
const (
	atNoChild = "runtime alone" // no child yet: parsing, planning, state, cgroups (before the clone), or a verb that forks none
	atStage   = "in setup"      // a stage runs: clone, mounts, pivot_root, /proc, /dev, ...
	atCommand = "after exec"    // the container's command runs
	atExited  = "exited first"  // the runtime finished before the kill
)

var points = []string{atNoChild, atStage, atCommand, atExited}

// killAfter starts cmd, SIGKILLs it after delay and reaps it; it returns
// where the kill landed.
func killAfter(cmd *exec.Cmd, delay time.Duration) (string, error) {
	if err := cmd.Start(); err != nil {
		return "", fmt.Errorf("start %s: %w", strings.Join(cmd.Args, " "), err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	select {
	case <-done:
		return atExited, nil
	case <-time.After(delay):
	}
	point := phase(cmd.Process.Pid)
	// os.Process holds a pidfd: if the runtime has just exited and been
	// reaped, Kill fails instead of signalling a reused PID.
	_ = cmd.Process.Kill()
	<-done
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && !ws.Signaled() {
		return atExited, nil // it exited between the phase and the kill
	}
	return point, nil
}

// verbTimeout bounds a verb the soak does not kill on purpose: a hung
// runtime is a failure to report, not a reason to wait for ever (and the
// soak must stay responsive to Ctrl-C).
const verbTimeout = 30 * time.Second

// runToEnd runs cmd to its end, for the measurements and the clean-up.
// Its output goes to a file, not a pipe: a created container's init
// inherits create's stdout and stderr (as runc's does), so a pipe would
// not see its end until the container is deleted.
func runToEnd(cmd *exec.Cmd) (time.Duration, error) {
	out, err := os.CreateTemp("", "soak-out-")
	if err != nil {
		return 0, fmt.Errorf("make a file for the output of %s: %w", cmd.Args[1:], err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("start %s: %w", strings.Join(cmd.Args, " "), err)
	}
	timer := time.AfterFunc(verbTimeout, func() { _ = cmd.Process.Kill() })
	err = cmd.Wait()
	took := time.Since(start)
	if !timer.Stop() {
		err = fmt.Errorf("did not end within %v (killed)", verbTimeout)
	}
	if err != nil {
		msg, _ := os.ReadFile(out.Name())
		return took, fmt.Errorf("%s: %v: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(string(msg)))
	}
	return took, nil
}

// phase names the stage of the runtime pid from its descendants' names.
func phase(pid int) string {
	point := atNoChild
	for _, c := range descendants(pid) {
		comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", c))
		if err != nil {
			continue // gone meanwhile
		}
		if string(comm) == "mycontainer-net\n" {
			continue // the --net bridge helper, run under the network lock at the lease, wiring or teardown
		}
		if !strings.HasPrefix(string(comm), "myc:") {
			return atCommand
		}
		point = atStage
	}
	return point
}

// descendants lists pid's children, grandchildren and so on, through
// /proc/PID/task/TID/children: the Go runtime forks from any thread.
func descendants(pid int) []int {
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/children", p))
		for _, t := range tasks {
			b, err := os.ReadFile(t)
			if err != nil {
				continue
			}
			for _, f := range strings.Fields(string(b)) {
				if c, err := strconv.Atoi(f); err == nil {
					out = append(out, c)
					queue = append(queue, c)
				}
			}
		}
	}
	return out
}
