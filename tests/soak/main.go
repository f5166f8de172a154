// Command soak starts containers in a loop, in every form the runtime
// has, and SIGKILLs the runtime at random moments of the start and of the
// OCI verbs. Then, after one sweeping `run` and a `delete --force` of
// whatever `list` shows, it counts what is left on the host: mounts,
// cgroups, processes, state entries and temp files. It exits 1 on any
// leak and 2 when it cannot run; it removes what it made on every exit.
//
//	go run ./tests/soak -n 200 -bin ./mycontainer -rootfs testdata/rootfs
//
// It runs containers as root: take /tmp/mycontainer-root-suite.lock
// (flock) so that no other root suite runs meanwhile (`make soak`).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

func main() {
	os.Exit(run())
}

func run() int {
	n := flag.Int("n", 200, "iterations: containers started and killed")
	bin := flag.String("bin", "./mycontainer", "the runtime under test")
	rootfs := flag.String("rootfs", "testdata/rootfs", "the rootfs of every container")
	seed := flag.Uint64("seed", 0, "random seed (0: from the clock); printed, so a run can be replayed")
	jobs := flag.Int("j", 1, "rounds run side by side, in batches of j (orphans are reaped between batches)")
	noSweep := flag.Bool("no-sweep", false, "skip the sweeping run and the final delete, to see the census find what they would remove")
	flag.Parse()
	if os.Geteuid() != 0 {
		fmt.Fprintln(os.Stderr, "soak: needs root (it starts containers)")
		return 2
	}
	if *jobs < 1 || *n < 0 {
		fmt.Fprintln(os.Stderr, "soak: -j must be at least 1 and -n not negative")
		return 2
	}
	if *seed == 0 {
		*seed = uint64(time.Now().UnixNano())
	}
	var err error
	if *bin, err = filepath.Abs(*bin); err == nil {
		*rootfs, err = filepath.Abs(*rootfs)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}

	before, err := takeSnapshot()
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	if err := becomeSubreaper(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	e, err := newEnv(*bin, *rootfs)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	code := 2
	defer func() {
		if err := cleanUp(e); err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			code = 2
		}
	}()
	// Ctrl-C or a timeout's SIGTERM ends the loop early; the deferred
	// clean-up still runs.
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(stop)

	s := &soak{e: e, seed: *seed, tally: map[string]map[string]int{}, noSweep: *noSweep}
	code = s.main(*n, *jobs, before, stop)
	return code
}

// main is the soak proper: measure, loop, sweep, count, report.
func (s *soak) main(n, jobs int, before *snapshot, stop <-chan os.Signal) int {
	start := time.Now()
	fmt.Printf("soak: N=%d -j %d seed=%d cgroup parent %s, root %s\n", n, jobs, s.seed, s.e.parent, s.e.root)
	if err := s.measure(5, jobs); err != nil {
		fmt.Fprintln(os.Stderr, "soak: measure the verbs:", err)
		return 2
	}
	// Rounds run in batches of -j. Between batches, and only then, the
	// soak reaps the orphans it adopted as a subreaper: a wait for any
	// child while a round waits for its own runtime could take that
	// runtime's exit status from it.
	for first := 0; first < n; first += jobs {
		select {
		case sig := <-stop:
			fmt.Fprintf(os.Stderr, "soak: %v after %d iterations; cleaning up\n", sig, first)
			return 2
		default:
		}
		last := min(first+jobs, n)
		errs := make([]error, last-first)
		var wg sync.WaitGroup
		for i := first; i < last; i++ {
			wg.Go(func() { errs[i-first] = s.round(i).play() })
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			fmt.Fprintln(os.Stderr, "soak:", err)
			return 2
		}
		reapOrphans()
		step := max(n/10, 1)
		if last/step != first/step || last == n {
			fmt.Printf("soak: %d/%d in %v\n", last, n, time.Since(start).Round(time.Second))
		}
	}
	loop := time.Since(start)

	if !s.noSweep {
		if code := s.sweep(); code != 0 {
			return code
		}
	}
	reapOrphans()
	leaks, err := census(s.e, before)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak: count the leaks:", err)
		return 2
	}
	fmt.Print(s.report(leaks, loop, time.Since(start)))
	for _, l := range leaks {
		if len(l.items) > 0 {
			return 1
		}
	}
	return 0
}

// sweep is the recovery the runtime promises after crashes: one friendly
// run (which sweeps dead runs' cgroups and, with --overlay, their upper
// directories), then what an engine does,
// `list -q` (which also removes the half-made state of dead runtimes)
// and `delete --force` of every container it shows.
func (s *soak) sweep() int {
	// No wait: a run judges another run's cgroup dead by the PID and
	// start time in its name (container.SweepDeadRuns), not by its age.
	// --overlay and --net bridge: the same run also removes the upper
	// directories of killed --overlay runs and reclaims the leases of
	// killed --net bridge runs.
	sweeper := append([]string{"run", "--rootfs", s.e.rootfs, "--overlay", "--net", "bridge", "--"}, s.e.quick()...)
	if _, err := runToEnd(s.e.command(sweeper)); err != nil {
		fmt.Fprintln(os.Stderr, "soak: the sweeping run failed:", err)
		return 2
	}
	if err := s.deleteListed(); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	return 0
}

func (s *soak) deleteListed() error {
	out, err := s.e.command(s.e.oci("list", "-q")).Output()
	if err != nil {
		return fmt.Errorf("list -q after the loop: %w", err)
	}
	for _, id := range fieldsOf(out) {
		if _, err := runToEnd(s.e.command(s.e.oci("delete", "--force", id))); err != nil {
			return fmt.Errorf("delete --force after the loop: %w", err)
		}
	}
	return nil
}
