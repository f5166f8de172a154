package cgroups

import (
	"fmt"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// Sub-cgroups for `exec --cgroup [CONTROLLER[,CONTROLLER...]:]PATH`, as
// runc 1.1 takes them: the exec'd process joins an existing cgroup below
// the container's own, in the hierarchies named (all of them when no
// controller is given). PATH is relative to the container's cgroup (as
// the container sees it through its cgroup namespace); a PATH that leaves
// it ("..") is refused: the exec'd process would escape the container's
// limits and device rules.

// ParseSubCgroups turns the --cgroup arguments into controller -> path;
// the key "" is a path for every hierarchy. A path without a controller
// must be the only argument, and a controller may be named once.
func ParseSubCgroups(args []string) (map[string]string, error) {
	if len(args) == 0 {
		return nil, nil
	}
	subs := map[string]string{}
	for _, a := range args {
		ctrls, p, hasCtrl := strings.Cut(a, ":")
		if !hasCtrl {
			p = a
		}
		rel, err := cleanSub(a, p)
		if err != nil {
			return nil, err
		}
		if !hasCtrl {
			if len(args) != 1 {
				return nil, fmt.Errorf("--cgroup %q: a path without a controller is for every hierarchy and must be the only --cgroup (or name one: CONTROLLER:PATH)", a)
			}
			subs[""] = rel
			continue
		}
		for _, c := range strings.Split(ctrls, ",") {
			if c == "" {
				return nil, fmt.Errorf("--cgroup %q: empty controller name (want CONTROLLER[,CONTROLLER]:PATH)", a)
			}
			if _, dup := subs[c]; dup {
				return nil, fmt.Errorf("--cgroup %q: controller %s is given more than once", a, c)
			}
			subs[c] = rel
		}
	}
	return subs, nil
}

// cleanSub checks one path: relative to the container's cgroup, never
// above it. A leading "/" is the container's cgroup namespace root.
func cleanSub(arg, p string) (string, error) {
	if p == "" || strings.Contains(p, ":") {
		return "", fmt.Errorf("--cgroup %q: want [CONTROLLER:]PATH with a non-empty PATH", arg)
	}
	rel := strings.TrimPrefix(path.Clean(p), "/")
	if rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("--cgroup %q: the path leaves the container's cgroup; an exec'd process may only go below it", arg)
	}
	if rel == "" {
		rel = "."
	}
	return rel, nil
}

// SubDirs is where the exec'd process goes: for each directory of the
// container's cgroup (Paths), the sub-cgroup asked for it, or the
// directory itself. Co-mounted controllers share a directory, so they
// must be given the same path. The result is sorted and has no
// duplicates; the directories are not checked to exist (joining says).
func SubDirs(m Manager, mode Mode, subs map[string]string) ([]string, error) {
	paths := m.Paths()
	if mode == Unified {
		for c := range subs {
			if c != "" {
				return nil, fmt.Errorf("--cgroup %s:%s: cgroup v2 has one hierarchy for every controller; give the path alone", c, subs[c])
			}
		}
		return []string{filepath.Join(paths[""], subs[""])}, nil
	}
	for c := range subs {
		if _, ok := paths[c]; !ok && c != "" {
			return nil, fmt.Errorf("--cgroup %s:%s: no v1 hierarchy of controller %q holds the container (it has %s)", c, subs[c], c, strings.Join(sortedKeys(paths), ", "))
		}
	}
	// Named controllers first: one named controller decides for the
	// others co-mounted with it (cpu for cpuacct), two must agree.
	byDir := map[string]string{} // the container's directory -> the sub-cgroup
	byDirFrom := map[string]string{}
	for _, c := range sortedKeys(paths) {
		dir := paths[c]
		sub, ok := subs[c]
		if !ok || c == "" {
			continue
		}
		if prev, seen := byDir[dir]; seen && prev != sub {
			return nil, fmt.Errorf("--cgroup: controllers %s and %s share the hierarchy %s; give them the same sub-cgroup", byDirFrom[dir], c, dir)
		}
		byDir[dir], byDirFrom[dir] = sub, c
	}
	for _, dir := range paths {
		if _, seen := byDir[dir]; !seen {
			byDir[dir] = subs[""] // "" (the container's own) when not given
		}
	}
	var dirs []string
	for dir, sub := range byDir {
		dirs = append(dirs, filepath.Join(dir, sub))
	}
	sort.Strings(dirs)
	return dirs, nil
}

// JoinDirs moves pid into each directory's cgroup.procs. A missing
// directory is named: --cgroup joins sub-cgroups, it never makes them.
func JoinDirs(pid int, dirs []string) error {
	fs := hostFS{}
	for _, d := range dirs {
		if ok, err := fs.Exists(d); err == nil && !ok {
			return fmt.Errorf("cgroups: add process %d: sub-cgroup %s does not exist (exec --cgroup joins an existing cgroup; make it first)", pid, d)
		}
		w := limitWrite{Step: fmt.Sprintf("add process %d", pid), Path: filepath.Join(d, "cgroup.procs"), Value: itoa(int64(pid)), hint: pidHint}
		if err := runWrites(fs, []limitWrite{w}); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
