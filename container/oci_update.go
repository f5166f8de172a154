package container

import (
	"encoding/json"
	"fmt"
	"io"
	"time"

	"mycontainer/cgroups"
	"mycontainer/spec"
	"mycontainer/state"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// Update writes new limits into a running container's cgroup (podman
// update, kubelet's resize). The memory limit/memsw order rule is the
// cgroups package's business.
func (o *OCI) Update(id string, r *specs.LinuxResources) error {
	l, unlock, err := o.lockAndLoad(id)
	if err != nil {
		return err
	}
	defer unlock()
	if s := o.status(l.st); s == state.StatusStopped {
		return fmt.Errorf("container %s is stopped", id)
	}
	// Every field is applied or refused, never dropped: the same checks
	// as config.json's linux.resources.
	if err := spec.ValidateResources(r); err != nil {
		return err
	}
	mode, err := cgroups.DetectMode()
	if err != nil {
		return err
	}
	res, err := resources(r, mode == cgroups.Unified)
	if err != nil {
		return err
	}
	m, err := cgroups.New(mode, l.st.CgroupParent, l.st.CgroupID, res)
	if err != nil {
		return err
	}
	return m.Create() // the directories exist: this writes the limits
}

// Event is one line of `events`, in runc's shape.
type Event struct {
	Type string         `json:"type"` // "stats" or "oom"
	ID   string         `json:"id"`
	Data *cgroups.Stats `json:"data,omitempty"`
}

// Events writes the container's stats as JSON lines: once with stats
// only, else every interval, plus an "oom" event whenever the kernel's OOM
// killer strikes, until the container stops.
func (o *OCI) Events(id string, statsOnly bool, interval time.Duration, w io.Writer) error {
	l, err := o.load(id)
	if err != nil {
		return err
	}
	cg, err := o.cgroupOf(l.st)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	var ooms uint64
	for {
		st, err := cg.Manager().Stats()
		if err != nil {
			return err
		}
		if st.OOMKills > ooms {
			if err := enc.Encode(Event{Type: "oom", ID: id}); err != nil {
				return err
			}
			ooms = st.OOMKills
		}
		if err := enc.Encode(Event{Type: "stats", ID: id, Data: &st}); err != nil {
			return err
		}
		if statsOnly {
			return nil
		}
		time.Sleep(interval)
		if l.st.Status() == state.StatusStopped {
			return nil
		}
	}
}
