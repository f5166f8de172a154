// Command mutants checks that the tests can fail: it removes one guard at
// a time (mutants.go) from a copy of the tree and runs the tests named
// for it, which must fail. It prints a table (mutation, the tests, and
// CAUGHT or MISSED) and exits 1 if any mutation was missed or no longer
// applies. `make mutants` runs all of them; `make mutants-fast` (part of
// `make test`) the Fast ones.
//
//	go run ./tests/mutants [-fast] [-run REGEXP]
//
// It runs as root (the tests start containers) from the repository root.
// Each test run holds /tmp/mycontainer-root-suite.lock, as every root
// suite here does, and runs in its own process group: a mutant that
// kills its caller's group (delete signalling pid 0) takes only its test.
// Still under the lock, the runner then kills that group and removes the
// project cgroups that appeared during the run (leftovers.go): a test
// killed half-way cannot leave them to the next suite.
// Do not run it under that lock yourself (flock ... go run ./tests/mutants):
// flock(1) does not nest, so each test run would wait for the outer lock
// until its 10-minute limit kills it (TIMEOUT, which counts as missed).
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"time"
)

func main() {
	fast := flag.Bool("fast", false, "only the mutations marked Fast")
	only := flag.String("run", "", "only the mutations whose name matches")
	flag.Parse()
	var pick *regexp.Regexp
	if *only != "" {
		pick = regexp.MustCompile(*only)
	}
	src, err := os.Getwd()
	if err != nil {
		fail(err)
	}
	tmp, err := os.MkdirTemp("", "mycontainer-mutants-")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(tmp)
	tree := filepath.Join(tmp, "tree")
	if err := copyTree(src, tree); err != nil {
		os.RemoveAll(tmp)
		fail(err)
	}
	missed := 0
	fmt.Printf("| mutation | tests | result |\n|---|---|---|\n")
	for _, m := range mutations {
		if (*fast && !m.Fast) || (pick != nil && !pick.MatchString(m.Name)) {
			continue
		}
		res, detail := try(tree, m)
		if res != "CAUGHT" {
			missed++
		}
		fmt.Printf("| %s | `%s` in %s | %s |\n", m.Name, m.Tests, m.Pkg, res)
		if detail != "" {
			fmt.Fprintf(os.Stderr, "mutants: %s: %s\n", m.Name, detail)
		}
	}
	if missed > 0 {
		fmt.Fprintf(os.Stderr, "mutants: %d missed or stale\n", missed)
		os.RemoveAll(tmp) // os.Exit skips the deferred removal
		os.Exit(1)
	}
}

// try applies m to the copy, runs its tests and restores the file.
func try(tree string, m mutation) (string, string) {
	path := filepath.Join(tree, m.File)
	orig, err := os.ReadFile(path)
	if err != nil {
		return "STALE", err.Error()
	}
	if n := strings.Count(string(orig), m.Old); n != 1 {
		return "STALE", fmt.Sprintf("%s holds the guard %d times, want 1: update mutants.go", m.File, n)
	}
	if err := os.WriteFile(path, []byte(strings.Replace(string(orig), m.Old, m.New, 1)), 0o644); err != nil {
		return "STALE", err.Error()
	}
	defer os.WriteFile(path, orig, 0o644)
	unlock, err := lockRootSuite()
	if err != nil {
		return "STALE", err.Error()
	}
	defer unlock()
	before := projectCgroups()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-count=1", "-timeout", "8m", "-run", m.Tests, m.Pkg)
	cmd.Dir = tree
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	// A container the dead test left may hold the output pipe: stop
	// waiting for it 10 s after the test's own process ended.
	cmd.WaitDelay = 10 * time.Second
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	out, err := cmd.CombinedOutput()
	if cmd.Process != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // whatever of the group is left
	}
	if left := sweepLeftovers(before); len(left) > 0 {
		fmt.Fprintf(os.Stderr, "mutants: %s: removed what its tests left: %s\n", m.Name, strings.Join(left, " "))
	}
	switch {
	case err == nil:
		return "MISSED", "the tests passed with the guard removed"
	case ctx.Err() != nil:
		// Killed at the limit: a hang, or a run that never got the
		// lock; either way it proves nothing about the guard.
		return "TIMEOUT", "no result in 10 minutes:\n" + string(out)
	case strings.Contains(string(out), "[build failed]") || strings.Contains(string(out), "[setup failed]"):
		return "STALE", "the mutant does not build:\n" + string(out)
	case strings.Contains(string(out), "no tests to run"):
		return "STALE", "no test matches " + m.Tests
	}
	return "CAUGHT", ""
}

// copyTree copies the working tree (not .git; testdata/rootfs is linked,
// it is large and the tests only read it).
func copyTree(src, dst string) error {
	return filepath.Walk(src, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		switch {
		case rel == ".git" || rel == "mycontainer" || strings.HasPrefix(rel, "bench/out"):
			if fi.IsDir() {
				return filepath.SkipDir
			}
			return nil
		case rel == filepath.Join("testdata", "rootfs"):
			if err := os.Symlink(p, filepath.Join(dst, rel)); err != nil {
				return err
			}
			return filepath.SkipDir
		case fi.IsDir():
			return os.MkdirAll(filepath.Join(dst, rel), fi.Mode().Perm())
		case fi.Mode()&os.ModeSymlink != 0:
			t, err := os.Readlink(p)
			if err != nil {
				return err
			}
			return os.Symlink(t, filepath.Join(dst, rel))
		case fi.Mode().IsRegular():
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), b, fi.Mode().Perm())
		}
		return nil
	})
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "mutants:", err)
	os.Exit(2)
}
