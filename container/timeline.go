package container

import (
	"fmt"
	"io"
	"sort"

	"golang.org/x/sys/unix"
)

// Timeline collects the start-up steps of every stage, all stamped with
// CLOCK_MONOTONIC (the same clock in every PID namespace), for --debug.
type Timeline struct {
	Origin uint64
	steps  []step
	// CPU (user+sys, ns) of stage-1 and of init with the command it
	// exec'd, from wait4's rusage; the runtime's own comes from getrusage
	// when the timeline is printed.
	stage1CPU, initCPU uint64
}

// addCPU records the CPU a reaped stage used.
func (t *Timeline) addCPU(stage string, ru *unix.Rusage) {
	if t == nil {
		return
	}
	cpu := uint64(ru.Utime.Nano() + ru.Stime.Nano())
	if stage == "stage-1" {
		t.stage1CPU = cpu
	} else {
		t.initCPU = cpu
	}
}

type step struct {
	name       string
	start, end uint64
}

// Now returns CLOCK_MONOTONIC in nanoseconds.
func Now() uint64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) // cannot fail for CLOCK_MONOTONIC
	return uint64(ts.Nano())
}

// Add records one step. A nil timeline records nothing.
func (t *Timeline) Add(name string, start, end uint64) {
	if t == nil {
		return
	}
	t.steps = append(t.steps, step{name, start, end})
}

// Print writes the steps in the order they started, with the offset from
// the origin and the duration of each, in milliseconds.
func (t *Timeline) Print(w io.Writer) {
	if t == nil {
		return
	}
	sort.SliceStable(t.steps, func(i, j int) bool { return t.steps[i].start < t.steps[j].start })
	fmt.Fprintf(w, "mycontainer: start-up timeline (ms)\n%10s %9s  %s\n", "at", "took", "step")
	for _, s := range t.steps {
		fmt.Fprintf(w, "%+10.3f %9.3f  %s\n", ms(s.start-t.Origin), ms(s.end-s.start), s.name)
	}
	var self unix.Rusage
	if t.initCPU == 0 {
		return // init not reaped here (create, run --detach): nothing to split
	}
	if err := unix.Getrusage(unix.RUSAGE_SELF, &self); err == nil {
		fmt.Fprintf(w, "mycontainer: CPU (ms): runtime %.3f, stage-1 %.3f, init+command %.3f\n",
			ms(uint64(self.Utime.Nano()+self.Stime.Nano())), ms(t.stage1CPU), ms(t.initCPU))
	}
}

func ms(ns uint64) float64 { return float64(int64(ns)) / 1e6 }
