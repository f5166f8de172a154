package container

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
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
	Type string      `json:"type"` // "stats" or "oom"
	ID   string      `json:"id"`
	Data *EventStats `json:"data,omitempty"`
}

// EventStats is the part of runc's stats data this runtime reads, under
// runc's names: cpu.usage.total, memory.usage.{usage,max,limit},
// pids.current, and memory.oom_kills.
type EventStats struct {
	CPU struct {
		Usage struct {
			Total uint64 `json:"total"`
		} `json:"usage"`
	} `json:"cpu"`
	Memory struct {
		Usage struct {
			Limit uint64 `json:"limit"`
			Usage uint64 `json:"usage"`
			Max   uint64 `json:"max"`
		} `json:"usage"`
		OOMKills uint64 `json:"oom_kills"`
	} `json:"memory"`
	Pids struct {
		Current uint64 `json:"current"`
	} `json:"pids"`
}

func eventStats(st *cgroups.Stats) *EventStats {
	e := &EventStats{}
	e.CPU.Usage.Total = st.CPUUsageNs
	e.Memory.Usage.Usage, e.Memory.Usage.Max = st.MemoryUsage, st.MemoryMaxUsage
	e.Memory.Usage.Limit = math.MaxUint64 // unlimited, as -1 reads unsigned
	if st.MemoryLimit >= 0 {
		e.Memory.Usage.Limit = uint64(st.MemoryLimit)
	}
	e.Memory.OOMKills = st.OOMKills
	e.Pids.Current = st.PidsCurrent
	return e
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
		if err := enc.Encode(Event{Type: "stats", ID: id, Data: eventStats(&st)}); err != nil {
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
