package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// What the soak counts. The host's view is read directly (mountinfo,
// cgroupfs, /proc), not through the runtime's own packages: a bug there
// must not hide its own leak.

// tempDirs are where a runtime could leave files named mycontainer*.
var tempDirs = []string{"/tmp", "/run", "/dev/shm"}

// snapshot is what the host had before the soak, so that only what the
// soak added is counted: the host has mounts, and other suites leave
// mycontainer* files of their own.
type snapshot struct {
	mounts map[string]int
	temps  map[string]bool
}

func takeSnapshot() (*snapshot, error) {
	m, err := mounts()
	if err != nil {
		return nil, err
	}
	return &snapshot{mounts: m, temps: temps()}, nil
}

// leak is one row of the report: a kind, and what of it is left.
type leak struct {
	kind  string
	items []string
	na    string // set when the kind cannot leak yet, and why
	// foreign are new entries of this kind that live processes outside
	// the soak use: printed, not counted.
	foreign []string
}

// census counts what the soak left, after its sweep and clean-up.
func census(e *env, before *snapshot) ([]leak, error) {
	after, err := mounts()
	if err != nil {
		return nil, err
	}
	cgs, err := cgroupDirs(e.parent)
	if err != nil {
		return nil, err
	}
	var added []string
	for k, n := range after {
		for range n - before.mounts[k] {
			added = append(added, k)
		}
	}
	sort.Strings(added)
	var newTemps, foreign []string
	for _, t := range sortedKeys(temps()) {
		if before.temps[t] {
			continue
		}
		// Other engineers' tools on this shared host make mycontainer*
		// entries too. By now no process of the soak lives (or the
		// process row says so), so an entry a live process still uses
		// is someone else's; an unused one is counted, by name.
		// The test suites' own directories (a test binary's copy, the
		// mutants runner's tree) are never the runtime's: a suite killed
		// on this shared host leaves them, unused.
		if base := filepath.Base(t); strings.HasPrefix(base, "mycontainer-test-") || strings.HasPrefix(base, "mycontainer-mutants-") {
			foreign = append(foreign, t+" (a test suite's, not the runtime's)")
			continue
		}
		if pid := user(t); pid > 0 {
			foreign = append(foreign, fmt.Sprintf("%s (used by PID %d)", t, pid))
			continue
		}
		newTemps = append(newTemps, t)
	}
	return []leak{
		{kind: "mounts", items: added},
		{kind: "cgroups", items: cgs},
		{kind: "processes", items: describePIDs(ours(e))},
		{kind: "state entries", items: dirEntries(e.root)},
		{kind: "temp files", items: newTemps, foreign: foreign},
		{kind: "IP leases", items: append(append(dirEntries("/run/mycontainer/net/leases"), netVeths()...), netRules(e)...)},
		{kind: "overlay dirs", items: upperDirs(filepath.Join(e.store, "containers"))},
	}, nil
}

// mounts reads the host's mount table as "mountpoint root fstype source"
// keys, counted, since the same key may be mounted over itself. Mount IDs
// are left out: only what is mounted where matters.
func mounts() (map[string]int, error) {
	out := map[string]int{}
	err := eachMount(func(f []string, fstype, source string) {
		out[strings.Join([]string{f[4], f[3], fstype, source}, " ")]++
	})
	return out, err
}

// eachMount calls fn for each line of /proc/self/mountinfo, with the
// fields before the "-" and the file system type and source after it.
func eachMount(fn func(f []string, fstype, source string)) error {
	b, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return fmt.Errorf("read the mount table: %w", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		sep := -1
		for i := 6; i < len(f); i++ {
			if f[i] == "-" {
				sep = i
				break
			}
		}
		if sep < 0 || sep+2 >= len(f) {
			return fmt.Errorf("read the mount table: malformed line %q", sc.Text())
		}
		fn(f[:sep], f[sep+1], f[sep+2])
	}
	return sc.Err()
}

// cgroupMounts lists every cgroup hierarchy's mount point, v1 and v2,
// named ones included: a leak in a hierarchy the runtime does not manage
// is still a leak.
func cgroupMounts() ([]string, error) {
	seen := map[string]bool{}
	var out []string
	err := eachMount(func(f []string, fstype, _ string) {
		if (fstype == "cgroup" || fstype == "cgroup2") && !seen[f[4]] {
			seen[f[4]] = true
			out = append(out, f[4])
		}
	})
	sort.Strings(out)
	return out, err
}

// cgroupDirs lists the cgroups below parent, in every hierarchy,
// deepest last.
func cgroupDirs(parent string) ([]string, error) {
	mps, err := cgroupMounts()
	if err != nil {
		return nil, err
	}
	var out []string
	for _, mp := range mps {
		top := filepath.Join(mp, parent)
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if os.IsNotExist(err) {
					return nil // removed meanwhile, or never made here
				}
				return err
			}
			if d.IsDir() && p != top {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("list the cgroups under %s: %w", top, err)
		}
	}
	return out, nil
}

// ours lists the live processes that are the soak's: those carrying its
// marker, those in its cgroups and its descendants (the soak is a
// subreaper, so an orphaned stage or container comes back to it).
func ours(e *env) []int {
	self := os.Getpid()
	parentOf := map[int]int{}
	var live []int
	ents, _ := os.ReadDir("/proc")
	for _, ent := range ents {
		pid, err := strconv.Atoi(ent.Name())
		if err != nil || pid == self {
			continue
		}
		ppid, st, ok := stat(pid)
		if !ok || st == 'Z' {
			continue // gone, or dead and waiting to be reaped
		}
		parentOf[pid] = ppid
		live = append(live, pid)
	}
	var out []int
	for _, pid := range live {
		if descends(pid, self, parentOf) || marked(pid, e.marker) || inCgroup(pid, e.parent) {
			out = append(out, pid)
		}
	}
	return out
}

// stat reads a process's parent and state from /proc/PID/stat. The
// command name may hold spaces and parentheses, so the fields are those
// after the last ')'.
func stat(pid int) (ppid int, state byte, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0, 0, false
	}
	ppid, err = strconv.Atoi(f[1])
	return ppid, f[0][0], err == nil
}

func descends(pid, ancestor int, parentOf map[int]int) bool {
	for depth := 0; pid > 1 && depth < 64; depth++ {
		pid = parentOf[pid]
		if pid == ancestor {
			return true
		}
	}
	return false
}

func marked(pid int, marker string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return err == nil && bytes.Contains(b, []byte(marker))
}

// inCgroup reports whether pid is in parent or below it in any hierarchy.
func inCgroup(pid int, parent string) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", pid))
	return err == nil && cgroupsUnder(string(b), parent)
}

// cgroupsUnder reports whether a /proc/PID/cgroup text, lines of
// "ID:CONTROLLERS:/PATH", names parent or a cgroup below it. A sibling
// whose name only starts with parent's ("-soak-1" and "-soak-12") is not.
func cgroupsUnder(text, parent string) bool {
	for _, line := range strings.Split(text, "\n") {
		f := strings.SplitN(line, ":", 3)
		if len(f) < 3 {
			continue
		}
		if path := f[2]; path == "/"+parent || strings.HasPrefix(path, "/"+parent+"/") {
			return true
		}
	}
	return false
}

func describePIDs(pids []int) []string {
	var out []string
	for _, pid := range pids {
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		out = append(out, fmt.Sprintf("%d %s", pid, strings.TrimSpace(string(comm))))
	}
	return out
}

// temps lists the entries named mycontainer* in the temp directories.
func temps() map[string]bool {
	out := map[string]bool{}
	for _, d := range tempDirs {
		ms, _ := filepath.Glob(filepath.Join(d, "mycontainer*"))
		for _, m := range ms {
			out[m] = true
		}
	}
	return out
}

// user returns a live process whose working directory, root,
// executable or open file is path or below it, or 0.
func user(path string) int {
	procs, _ := filepath.Glob("/proc/[0-9]*")
	for _, p := range procs {
		links := []string{p + "/cwd", p + "/root", p + "/exe"}
		fds, _ := filepath.Glob(p + "/fd/*")
		for _, l := range append(links, fds...) {
			t, err := os.Readlink(l)
			if err == nil && (t == path || strings.HasPrefix(t, path+"/")) {
				pid, _ := strconv.Atoi(filepath.Base(p))
				return pid
			}
		}
	}
	return 0
}

// dirEntries lists a directory's entries, hidden ones included.
func dirEntries(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, ent := range ents {
		out = append(out, filepath.Join(dir, ent.Name()))
	}
	return out
}

// upperDirs lists containers/ of the image store but the spares: a
// run whose container wrote nothing keeps its pristine upper and work
// directories there for the next run (image/spares.go), on purpose.
func upperDirs(dir string) []string {
	var out []string
	for _, p := range dirEntries(dir) {
		if !strings.HasPrefix(filepath.Base(p), "spare-") {
			out = append(out, p)
		}
	}
	return out
}

func sortedKeys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// netRules lists the nftables rules of containers (not the bridge's own)
// that `network inspect` shows: each belongs to a lease too.
func netRules(e *env) []string {
	out, err := e.command([]string{"network", "inspect"}).Output()
	if err != nil {
		return []string{fmt.Sprintf("network inspect failed: %v", err)}
	}
	var st struct {
		Rules []struct{ Chain, Tag string }
	}
	if err := json.Unmarshal(out, &st); err != nil {
		return []string{fmt.Sprintf("network inspect: %v", err)}
	}
	var rules []string
	for _, r := range st.Rules {
		if !strings.HasPrefix(r.Tag, "mycontainer:bridge") {
			rules = append(rules, "rule "+r.Chain+" "+r.Tag)
		}
	}
	return rules
}

// netVeths lists the host ends of --net bridge veth pairs (myc-*): each
// belongs to a lease, so one left over is a leak even if its lease is not.
func netVeths() []string {
	ents, _ := os.ReadDir("/sys/class/net")
	var out []string
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), "myc-") {
			out = append(out, "veth "+e.Name())
		}
	}
	return out
}
