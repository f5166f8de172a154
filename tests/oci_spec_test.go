package tests

// Issue 10: configs written from the runtime-spec's text (config.md,
// config-linux.md, runtime.md), each testing one MUST.

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"

	"mycontainer/cgroups"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// statePid is the pid that `state` reports.
func (e *ociEnv) statePid(t *testing.T, id string) int {
	t.Helper()
	r := e.oci(t, "state", id)
	var st struct {
		Pid int `json:"pid"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("state %s: %v (%q %q)", id, err, r.stdout, r.stderr)
	}
	return st.Pid
}

// config-linux.md, cgroupsPath: "If the value is an absolute path, the
// path is relative to the cgroup mount point" — one component included:
// "/name" is <mount>/name, not under mycontainer's own parent.
func TestSpecCgroupsPathAbsoluteOneComponent(t *testing.T) {
	e := newOCIEnv(t)
	name := "mycontainer-test-abs-" + marker()
	t.Cleanup(func() {
		e.oci(t, "delete", "--force", "abs")
		if err := cgroups.RemoveParent(cgroupMode(t), name); err != nil {
			t.Errorf("remove %s: %v", name, err)
		}
	})
	b := e.bundle(t, "abs", []string{"sleep", "100"}, func(s *specs.Spec) {
		s.Linux.CgroupsPath = "/" + name
	})
	if r := e.oci(t, "run", "-d", "--bundle", b, "abs"); r.code != 0 {
		t.Fatalf("run -d: %s", r.stderr)
	}
	pid := e.statePid(t, "abs")
	cg, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, l := range strings.Split(strings.TrimSpace(string(cg)), "\n") {
		f := strings.SplitN(l, ":", 3)
		if len(f) != 3 || (f[1] != "memory" && !strings.Contains(f[1], "memory,") && !(f[0] == "0" && cgroupMode(t) == cgroups.Unified)) {
			continue
		}
		found = true
		if f[2] != "/"+name {
			t.Errorf("cgroup %q, want /%s (relative to the mount point)", l, name)
		}
	}
	if !found {
		t.Errorf("no memory or unified line in %q", cg)
	}
	if r := e.oci(t, "delete", "--force", "abs"); r.code != 0 {
		t.Errorf("delete: %s", r.stderr)
	}
}
