package cgroups

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Kill writes cgroup.kill (kernel 5.14+), which SIGKILLs the whole subtree
// atomically with respect to forks. On older kernels it freezes
// (cgroup.freeze; a frozen v2 task still dies of SIGKILL), kills what
// cgroup.procs lists, and thaws. Then it waits until cgroup.events says
// "populated 0": no live process in the subtree. Exited processes count
// as gone even before their parent reaps them.
func (m *v2Manager) Kill() error {
	d := m.Path()
	ok, err := m.fs.Exists(d)
	if err != nil || !ok {
		return err // no cgroup left means no process left
	}
	killFile := filepath.Join(d, "cgroup.kill")
	has, err := m.fs.Exists(killFile)
	if err != nil {
		return stepErr("kill", err, "")
	}
	if has {
		if err := runWrites(m.fs, []limitWrite{{Step: "kill", Path: killFile, Value: "1"}}); err != nil {
			return err
		}
		return m.waitUnpopulated()
	}

	var errs []error
	freeze := filepath.Join(d, "cgroup.freeze")
	frozen := false
	if ok, err := m.fs.Exists(freeze); err != nil {
		errs = append(errs, stepErr("freeze before kill", err, ""))
	} else if ok {
		if err := runWrites(m.fs, []limitWrite{{Step: "freeze before kill", Path: freeze, Value: "1"}}); err != nil {
			errs = append(errs, err)
		} else {
			frozen = true
		}
	}
	err = killLoop(m.fs, m.kill, filepath.Join(d, "cgroup.procs"), m.killTimeout, m.waitUnpopulated)
	if err != nil {
		errs = append(errs, err)
	}
	if frozen {
		if err := runWrites(m.fs, []limitWrite{{Step: "thaw after kill", Path: freeze, Value: "0"}}); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *v2Manager) waitUnpopulated() error {
	p := filepath.Join(m.Path(), "cgroup.events")
	dl := newDeadline(m.killTimeout)
	for {
		ev, err := readEvents(m.fs, p)
		if err != nil {
			return stepErr("wait for processes to exit", err, "")
		}
		if ev["populated"] == "0" {
			return nil
		}
		if !dl.wait() {
			return stepErr("wait for processes to exit", fmt.Errorf("%s still says populated 1 after %v", p, m.killTimeout), "")
		}
	}
}

// readEvents reads cgroup.events, whose values are not all numbers
// ("frozen 0", "populated 1").
func readEvents(fs fsOps, path string) (map[string]string, error) {
	s, err := fs.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kv := map[string]string{}
	for _, line := range strings.Split(s, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), " "); ok {
			kv[k] = v
		}
	}
	if _, ok := kv["populated"]; !ok {
		return nil, &FileError{Op: "read", Path: path, Err: fmt.Errorf("no populated line in %q", s)}
	}
	return kv, nil
}
