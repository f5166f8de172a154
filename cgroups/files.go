package cgroups

import (
	"fmt"
	"path/filepath"
)

// FileSetting is one limit that maps to one cgroup file and has no typed
// field in Resources (per-device throttles, hugetlb, net_cls, ...). The
// caller (container/, from linux.resources) picks the file for the
// host's cgroup version; the managers write it and refuse it, naming
// Field, when the controller or the file is missing.
type FileSetting struct {
	// Field names the limit for errors: "linux.resources.hugepageLimits[0]".
	Field string
	// Controller is the controller the file belongs to: on v1 it picks
	// the hierarchy; on v2 it is enabled in the parents' subtree_control.
	Controller string
	// Files are candidates, the first that exists is written ("blkio.weight_device"
	// under CFQ, "blkio.bfq.weight_device" under BFQ).
	Files []string
	Value string
}

// fileWrites turns settings into writes in dir (dirOf gives the directory
// of a controller; "" when it is not mounted). A missing controller or
// file is an error that names the setting's field.
func fileWrites(fs fsOps, settings []FileSetting, dirOf func(ctrl string) string) ([]limitWrite, error) {
	var ws []limitWrite
	for _, s := range settings {
		d := dirOf(s.Controller)
		if d == "" {
			return nil, fmt.Errorf("%s: the %s controller is not mounted on this host", s.Field, s.Controller)
		}
		var path string
		for _, f := range s.Files {
			p := filepath.Join(d, f)
			ok, err := fs.Exists(p)
			if err != nil {
				return nil, stepErr("check "+s.Field, err, "")
			}
			if ok {
				path = p
				break
			}
		}
		if path == "" {
			return nil, fmt.Errorf("%s: this kernel has no %v in %s (the %s controller lacks the file or is not enabled)", s.Field, s.Files, d, s.Controller)
		}
		ws = append(ws, limitWrite{Step: "apply " + s.Field, Path: path, Value: s.Value})
	}
	return ws, nil
}
