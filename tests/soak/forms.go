package main

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"time"
)

// The verbs whose kills are tallied, in the order the report lists them.
const (
	vRun       = "run"
	vRunInit   = "run --init"
	vRunBundle = "run --bundle"
	vCreate    = "create"
	vStart     = "start"
	vDelete    = "delete"
	vForce     = "delete --force"
)

var verbs = []string{vRun, vRunInit, vRunBundle, vCreate, vStart, vDelete, vForce}

// soak is the loop's state: where it kills and what it saw.
type soak struct {
	e       *env
	rng     *rand.Rand
	windows map[string]time.Duration // 1.2 × the verb's measured duration
	tally   map[string]map[string]int
	noSweep bool // -no-sweep: count before the recovery, to test the census
}

// forms are the ways one iteration starts (and kills) a container.
var forms = []func(s *soak, i int) error{
	func(s *soak, i int) error { return s.friendly(false) },
	func(s *soak, i int) error { return s.friendly(true) },
	(*soak).runBundle,
	(*soak).lifecycle,
	(*soak).lifecycle,
}

// measure times each verb, unkilled, on a container that exits at once.
// The kill windows are 1.2 times the median, so kills land before the
// clone, during the mounts, after the exec and, now and then, after the
// end.
func (s *soak) measure(samples int) error {
	times := map[string][]time.Duration{}
	add := func(verb string, args []string) error {
		d, err := runToEnd(s.e.command(args))
		times[verb] = append(times[verb], d)
		return err
	}
	for k := range samples {
		if err := add(vRun, s.e.friendly(false, s.e.quick())); err != nil {
			return err
		}
		if err := add(vRunInit, s.e.friendly(true, s.e.quick())); err != nil {
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
	s.windows = map[string]time.Duration{}
	for v, ds := range times {
		sort.Slice(ds, func(a, b int) bool { return ds[a] < ds[b] })
		s.windows[v] = ds[len(ds)/2] * 12 / 10
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
func (s *soak) kill(verb string, args []string) error {
	point, err := killAfter(s.e.command(args), time.Duration(s.rng.Int64N(int64(s.windows[verb])+1)))
	if err != nil {
		return err
	}
	if s.tally[verb] == nil {
		s.tally[verb] = map[string]int{}
	}
	s.tally[verb][point]++
	return nil
}

// command picks what the container runs: mostly one that outlives the
// kill, sometimes one that ends at once so kills also hit the tear-down.
func (s *soak) command() []string {
	if s.rng.IntN(4) == 0 {
		return s.e.quick()
	}
	return s.e.sleeper()
}

// friendly is `run [--init]`, killed at random; its container dies with
// it (PDEATHSIG) and its cgroup waits for the next run's sweep.
func (s *soak) friendly(init bool) error {
	verb := vRun
	if init {
		verb = vRunInit
	}
	return s.kill(verb, s.e.friendly(init, s.command()))
}

// runBundle is the OCI `run --bundle`, mostly in the foreground, killed
// at random; then, half the time, a `delete --force` killed at random.
// What is left waits for the final list and delete.
func (s *soak) runBundle(i int) error {
	id := fmt.Sprintf("b%d", i)
	b, err := s.e.bundle(id, s.command())
	if err != nil {
		return err
	}
	args := []string{"run", "--bundle", b}
	if s.rng.IntN(4) == 0 {
		args = append(args, "--detach")
	}
	if err := s.kill(vRunBundle, s.e.oci(append(args, id)...)); err != nil {
		return err
	}
	return s.maybeForce(id)
}

// lifecycle is create, start and delete, each killed at random (a verb
// whose predecessor died fails fast, which is a moment too), then, half
// the time, a `delete --force` killed at random.
func (s *soak) lifecycle(i int) error {
	id := fmt.Sprintf("c%d", i)
	b, err := s.e.bundle(id, s.command())
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
		if err := s.kill(v.verb, s.e.oci(v.args...)); err != nil {
			return err
		}
	}
	return s.maybeForce(id)
}

func (s *soak) maybeForce(id string) error {
	if s.rng.IntN(2) == 0 {
		return nil
	}
	return s.kill(vForce, s.e.oci("delete", "--force", id))
}
