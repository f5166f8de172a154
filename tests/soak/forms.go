package main

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// The verbs whose kills are tallied, in the order the report lists them.
const (
	vRun       = "run"
	vRunInit   = "run --init"
	vOverlay   = "run --overlay"
	vBridge    = "run --net bridge"
	vRunBundle = "run --bundle"
	vCreate    = "create"
	vStart     = "start"
	vDelete    = "delete"
	vForce     = "delete --force"
)

var verbs = []string{vRun, vRunInit, vOverlay, vBridge, vRunBundle, vCreate, vStart, vDelete, vForce}

// soak is the loop's state: where it kills and what it saw.
type soak struct {
	e       *env
	seed    uint64
	windows map[string]time.Duration // 1.2 × the verb's measured duration
	noSweep bool                     // -no-sweep: count before the recovery, to test the census

	mu    sync.Mutex // tally: the rounds of a batch run side by side
	tally map[string]map[string]int
}

// round is one iteration. Its random numbers come from the seed and its
// index alone, so a run is replayed with the same -seed whatever -j was.
type round struct {
	*soak
	i   int
	rng *rand.Rand
}

func (s *soak) round(i int) *round {
	return &round{soak: s, i: i, rng: rand.New(rand.NewPCG(s.seed, uint64(i)))}
}

// forms are the ways one iteration starts (and kills) a container.
var forms = []func(r *round) error{
	func(r *round) error { return r.friendly(false) },
	func(r *round) error { return r.friendly(true) },
	func(r *round) error { return r.kill(vOverlay, r.e.overlay(r.command())) },
	func(r *round) error { return r.kill(vBridge, r.e.bridge(r.command())) },
	(*round).runBundle,
	(*round).lifecycle,
	(*round).lifecycle,
}

// play runs the round's form, picked at random.
func (r *round) play() error {
	return forms[r.rng.IntN(len(forms))](r)
}

// measure times each verb, unkilled, on a container that exits at once.
// The kill windows are 1.2 times the median, so kills land before the
// clone, during the mounts, after the exec and, now and then, after the
// end. With -j the samples run j at a time, as the rounds will: a verb
// timed on an idle machine would be killed mostly before its clone.
func (s *soak) measure(samples, jobs int) error {
	times := map[string][]time.Duration{}
	var mu sync.Mutex
	add := func(verb string, args []string) error {
		d, err := runToEnd(s.e.command(args))
		mu.Lock()
		times[verb] = append(times[verb], d)
		mu.Unlock()
		return err
	}
	errs := make([]error, jobs)
	var wg sync.WaitGroup
	for w := range jobs {
		wg.Go(func() { errs[w] = s.sample(add, w, samples) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	s.windows = map[string]time.Duration{}
	for v, ds := range times {
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		s.windows[v] = ds[len(ds)/2] * 12 / 10
	}
	return nil
}

// sample is one worker of measure: samples of every verb, on containers
// named after the worker.
func (s *soak) sample(add func(verb string, args []string) error, w, samples int) error {
	for k := range samples {
		k = w*samples + k
		if err := add(vRun, s.e.friendly(false, s.e.quick())); err != nil {
			return err
		}
		if err := add(vRunInit, s.e.friendly(true, s.e.quick())); err != nil {
			return err
		}
		if err := add(vOverlay, s.e.overlay(s.e.quick())); err != nil {
			return err
		}
		if err := add(vBridge, s.e.bridge(s.e.quick())); err != nil {
			return err
		}
		id := fmt.Sprintf("m-bundle-%d", k)
		b, err := s.e.bundle(id, s.e.quick())
		if err != nil {
			return err
		}
		if err := add(vRunBundle, s.e.oci("run", "--bundle", b, id)); err != nil {
			return err
		}
		id = fmt.Sprintf("m-life-%d", k)
		if b, err = s.e.bundle(id, s.e.quick()); err != nil {
			return err
		}
		if err := add(vCreate, s.e.oci("create", "--bundle", b, id)); err != nil {
			return err
		}
		if err := add(vStart, s.e.oci("start", id)); err != nil {
			return err
		}
		if err := s.waitStopped(id); err != nil {
			return err
		}
		if err := add(vDelete, s.e.oci("delete", id)); err != nil {
			return err
		}
		id = fmt.Sprintf("m-force-%d", k)
		if b, err = s.e.bundle(id, s.e.sleeper()); err != nil {
			return err
		}
		if _, err := runToEnd(s.e.command(s.e.oci("create", "--bundle", b, id))); err != nil {
			return err
		}
		if err := add(vForce, s.e.oci("delete", "--force", id)); err != nil {
			return err
		}
	}
	return nil
}

// waitStopped waits for a started container's quick command to end, so
// that the plain delete is measured on a stopped container.
func (s *soak) waitStopped(id string) error {
	for range 100 {
		out, err := s.e.command(s.e.oci("state", id)).Output()
		if err == nil && containsStatus(out, "stopped") {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("container %s did not stop within a second of its start", id)
}

// kill runs one verb and SIGKILLs it at a random moment of its window.
func (r *round) kill(verb string, args []string) error {
	point, err := killAfter(r.e.command(args), time.Duration(r.rng.Int64N(int64(r.windows[verb])+1)))
	if err != nil {
		return err
	}
	s := r.soak
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tally[verb] == nil {
		s.tally[verb] = map[string]int{}
	}
	s.tally[verb][point]++
	return nil
}

// command picks what the container runs: mostly one that outlives the
// kill, sometimes one that ends at once so kills also hit the tear-down.
func (r *round) command() []string {
	if r.rng.IntN(4) == 0 {
		return r.e.quick()
	}
	return r.e.sleeper()
}

// friendly is `run [--init]`, killed at random; its container dies with
// it (PDEATHSIG) and its cgroup waits for the next run's sweep.
func (r *round) friendly(init bool) error {
	verb := vRun
	if init {
		verb = vRunInit
	}
	return r.kill(verb, r.e.friendly(init, r.command()))
}

// runBundle is the OCI `run --bundle`, mostly in the foreground, killed
// at random; then, half the time, a `delete --force` killed at random.
// What is left waits for the final list and delete.
func (r *round) runBundle() error {
	id := fmt.Sprintf("b%d", r.i)
	b, err := r.e.bundle(id, r.command())
	if err != nil {
		return err
	}
	args := []string{"run", "--bundle", b}
	if r.rng.IntN(4) == 0 {
		args = append(args, "--detach")
	}
	if err := r.kill(vRunBundle, r.e.oci(append(args, id)...)); err != nil {
		return err
	}
	return r.maybeForce(id)
}

// lifecycle is create, start and delete, each killed at random (a verb
// whose predecessor died fails fast, which is a moment too), then, half
// the time, a `delete --force` killed at random.
func (r *round) lifecycle() error {
	id := fmt.Sprintf("c%d", r.i)
	b, err := r.e.bundle(id, r.command())
	if err != nil {
		return err
	}
	for _, v := range []struct {
		verb string
		args []string
	}{
		{vCreate, []string{"create", "--bundle", b, id}},
		{vStart, []string{"start", id}},
		{vDelete, []string{"delete", id}},
	} {
		if err := r.kill(v.verb, r.e.oci(v.args...)); err != nil {
			return err
		}
	}
	return r.maybeForce(id)
}

func (r *round) maybeForce(id string) error {
	if r.rng.IntN(2) == 0 {
		return nil
	}
	return r.kill(vForce, r.e.oci("delete", "--force", id))
}
