package container

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"mycontainer/cgroups"
)

// checkThawed refuses to start a process into a frozen cgroup. A task
// that enters a frozen cgroup (v1 freezer.state FROZEN, v2 cgroup.freeze
// 1, its own or an ancestor's) is stopped by the kernel at once: stage-1
// sat in D state before it could say anything, and `run -d` and `create`
// never returned. Every level from the mount down to the container's own
// cgroup is read, as a parent's freeze covers its children; the levels
// that do not exist yet cannot be frozen.
func (c *Cgroup) checkThawed() error {
	parent := c.Parent
	if parent == "" {
		parent = cgroups.DefaultParent
	}
	rel := filepath.Join(parent, c.ID)
	dirs := make([]string, 0, 8)
	for _, d := range c.manager.Paths() {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		mount, ok := strings.CutSuffix(dir, "/"+rel)
		if !ok {
			continue
		}
		p := mount
		for _, name := range strings.Split(rel, "/") {
			p = filepath.Join(p, name)
			if file, v, frozen := frozenDir(p); frozen {
				what := "cgroup " + rel
				if p != dir {
					what += " is under a frozen cgroup:"
				} else {
					what += " is frozen:"
				}
				hint := "thaw it first"
				if p == dir && c.joinOnly {
					hint = "the container is paused; resume it first"
				}
				return fmt.Errorf("%s %s is %s, so the container's first process would stop at once and never start; %s (write %s there, or mycontainer resume ID)",
					what, file, v, hint, thawValue(file))
			}
		}
	}
	return nil
}

// frozenDir reads the freezer files of one cgroup directory: v1's
// freezer.state (FREEZING counts, the freeze is under way) and v2's
// cgroup.freeze (the cgroup's own request, which its children obey).
func frozenDir(dir string) (file, value string, frozen bool) {
	for _, f := range []string{"freezer.state", "cgroup.freeze"} {
		file = filepath.Join(dir, f)
		b, err := os.ReadFile(file)
		if err != nil {
			continue // not this hierarchy's file, or the level does not exist
		}
		v := strings.TrimSpace(string(b))
		if v != "THAWED" && v != "0" {
			return file, v, true
		}
	}
	return "", "", false
}

func thawValue(file string) string {
	if strings.HasSuffix(file, "freezer.state") {
		return "THAWED"
	}
	return "0"
}
