package state

import (
	"encoding/json"
	"time"
)

// State is what is persisted in <root>/<id>/state.json.
type State struct {
	ID       string    `json:"id"`
	Bundle   string    `json:"bundle"`   // absolute
	Rootfs   string    `json:"rootfs"`   // absolute host path
	Pid      int       `json:"pid"`      // host PID of the container's init, 0 before it exists
	PidStart uint64    `json:"pidStart"` // field 22 of /proc/PID/stat when recorded
	Created  time.Time `json:"created"`
	Started  bool      `json:"started"` // `start` released the exec fifo
	// Foreground: `run --bundle` without --detach. Its runtime starts the
	// container itself, over the sync socket: there is no exec fifo and
	// no `start`, so once its PID is known the container counts as
	// running (saving Started too would be one more state write).
	Foreground   bool              `json:"foreground,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	CgroupMode   string            `json:"cgroupMode,omitempty"`
	CgroupParent string            `json:"cgroupParent,omitempty"`
	CgroupID     string            `json:"cgroupId,omitempty"`
	// CgroupParentsMade are the levels above the container's cgroup that
	// its create made (below the mount), for delete to remove with it.
	CgroupParentsMade []string        `json:"cgroupParentsMade,omitempty"`
	Config            json.RawMessage `json:"config,omitempty"` // the validated config.json, for exec/update/hooks
}

// Status is the OCI status string of a container.
type Status string

const (
	StatusCreating Status = "creating"
	StatusCreated  Status = "created"
	StatusRunning  Status = "running"
	StatusStopped  Status = "stopped"
	// StatusPaused is never returned by State.Status: only the caller can
	// see the freezer. It is here so that callers use the same type.
	StatusPaused Status = "paused"
)

// Status derives the status from the recorded PID and the live process
// table. It is computed, not stored, because the init process can die at
// any moment without the runtime running.
func (s *State) Status() Status {
	switch {
	case s.Pid == 0:
		return StatusCreating
	case !Alive(s.Pid, s.PidStart):
		return StatusStopped
	case !s.Started && !s.Foreground:
		return StatusCreated
	default:
		return StatusRunning
	}
}
