package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// `make bench` runs end to end with a few rounds: every runtime has its
// rows in every table, no container start failed, the machine facts and
// the start-up timeline are there, and nothing is left on the host. The
// figures themselves are never checked: performance is verified by the
// benchmark, not by a timed test.
func TestBenchRuns(t *testing.T) {
	if _, err := os.Stat("../bench/run.sh"); err != nil {
		t.Skip("no bench/run.sh (the cgroup v2 VM has only the test binary):", err)
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("make is not installed")
	}
	out := filepath.Join(t.TempDir(), "RESULTS.md")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "make", "-C", "..", "bench",
		"BENCH_ARGS=--rounds 3 --seq 10 --conc 10 --mem 1 --out "+out)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("make bench: %v\n%s", err, b)
	}
	res, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("make bench wrote no results: %v\n%s", err, b)
	}
	// Only what the benchmark makes is checked: other suites may create
	// their own temp dirs meanwhile. Its mounts live in its own namespace.
	if pids := processesWith("mycontainer-bench"); len(pids) > 0 {
		t.Errorf("processes left behind: %v", pids)
	}
	for _, g := range []string{"/sys/fs/cgroup/*/mycontainer-bench", "/sys/fs/cgroup/mycontainer-bench",
		filepath.Join(os.TempDir(), "mycontainer-bench.*")} {
		if left, _ := filepath.Glob(g); len(left) > 0 {
			t.Errorf("left behind: %v", left)
		}
	}
	text := string(res)
	if head, _, _ := strings.Cut(text, "\n## "); !strings.Contains(string(b), head) {
		t.Errorf("make bench did not print the results")
	}
	problems := benchProblems(text)
	for _, p := range problems {
		t.Error(p)
	}
	if len(problems) > 0 {
		t.Fatalf("results:\n%s", text)
	}
	checkTheChecker(t, text)
}

// checkTheChecker makes sure benchProblems can fail: doctored copies of
// good results (a failed start, a missing runtime, an unmeasured figure, no
// totals, no timeline) must each be caught.
func checkTheChecker(t *testing.T, good string) {
	t.Helper()
	row := regexp.MustCompile(`(?m)^\| crun \|.*\| 0 \|$`)
	bad := map[string]string{
		"a failed start":     row.ReplaceAllStringFunc(good, func(s string) string { return strings.TrimSuffix(s, "0 |") + "2 |" }),
		"no crun rows":       row.ReplaceAllString(good, ""),
		"no failures total":  strings.Replace(good, "Failures:", "Fails:", 1),
		"no timeline":        strings.ReplaceAll(good, "+0.000", ""),
		"an unmeasured cell": regexp.MustCompile(`(?m)^\| runc \| [0-9.]+`).ReplaceAllString(good, "| runc | –"),
	}
	for name, text := range bad {
		if text == good {
			t.Errorf("%s: the doctoring changed nothing", name)
		} else if len(benchProblems(text)) == 0 {
			t.Errorf("%s: the checker found nothing wrong", name)
		}
	}
}

// benchProblems checks RESULTS.md's shape: which runtime has a row in which
// table, that each row has figures and no failures, and the totals.
func benchProblems(text string) []string {
	var problems []string
	errorf := func(f string, a ...any) { problems = append(problems, fmt.Sprintf(f, a...)) }
	all := []string{"mycontainer", "runc", "crun", "bwrap", "unshare", "exec"}
	want := map[string][]string{
		"### PID, mount, UTS, IPC namespaces": all,
		"### Plus a network namespace":        {"mycontainer", "runc", "crun", "bwrap", "unshare"},
		"### Plus limits":                     {"mycontainer", "runc", "crun"},
		"### Plus docker's default seccomp":   {"mycontainer", "runc", "crun"},
		"## Many containers":                  all,
		"## Memory":                           all,
		"## `run --image` beside":             {"rootfs", "unconfined", "image", "image-disk"},
	}
	// section heading prefix -> runtime -> the row's cells
	rows := map[string]map[string][]string{}
	section := ""
	for _, line := range strings.Split(text, "\n") {
		if strings.HasPrefix(line, "#") {
			section = ""
			for h := range want {
				if strings.HasPrefix(line, h) {
					section = h
					rows[h] = map[string][]string{}
				}
			}
			continue
		}
		if section == "" || !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "| runtime") || strings.HasPrefix(line, "| form") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), "|")
		for i := range cells {
			cells[i] = strings.TrimSpace(cells[i])
		}
		rows[section][cells[0]] = cells
	}
	number := regexp.MustCompile(`^[0-9]+\.[0-9]+`)
	for h, rts := range want {
		if len(rows[h]) != len(rts) {
			errorf("%q: %d rows, want %d (%v)", h, len(rows[h]), len(rts), rts)
		}
		for _, rt := range rts {
			cells, ok := rows[h][rt]
			if !ok {
				errorf("%q: no row for %s", h, rt)
				continue
			}
			// The last cell counts failures (the many-containers table
			// has two failure columns, 5 and 9).
			fails := []int{len(cells) - 1}
			if h == "## Many containers" {
				fails = []int{5, 9}
			}
			for _, i := range fails {
				if i >= len(cells) || cells[i] != "0" {
					errorf("%q: %s: failures %q, want 0 (row %q)", h, rt, cells[min(i, len(cells)-1)], cells)
				}
			}
			// The first figure is measured: wall time, total time, or
			// (for the memory table) the peak RSS, which every runtime has:
			// the column before the failures.
			fig := cells[1]
			if h == "## Memory" {
				fig = cells[len(cells)-2]
			}
			if !number.MatchString(fig) {
				errorf("%q: %s: figure %q is not a number (row %q)", h, rt, fig, cells)
			}
		}
	}
	m := regexp.MustCompile(`Failures: ([0-9]+) of ([0-9]+) container starts`).FindStringSubmatch(text)
	if m == nil {
		errorf("no failures total in the results")
	} else if n, _ := strconv.Atoi(m[2]); m[1] != "0" || n == 0 {
		errorf("failures: %s of %s container starts, want 0 of more than 0", m[1], m[2])
	}
	for _, s := range []string{"- kernel:", "- CPU:", "- runc: runc version", "- crun: crun version",
		"- bubblewrap: bubblewrap", "## Targets", "## mycontainer's start-up timeline"} {
		if !strings.Contains(text, s) {
			errorf("results lack %q", s)
		}
	}
	// The timeline: at least a few steps, the first at +0.000.
	_, tl, _ := strings.Cut(text, "## mycontainer's start-up timeline")
	steps := regexp.MustCompile(`(?m)^\s+\+[0-9]+\.[0-9]+\s+[0-9]+\.[0-9]+\s+\S`)
	if !strings.Contains(tl, "+0.000") || len(steps.FindAllString(tl, -1)) < 3 {
		errorf("no start-up timeline in the results:\n%s", tl)
	}
	return problems
}
