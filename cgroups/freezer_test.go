package cgroups

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// readHook calls before ahead of every read, so a test can play the
// kernel's asynchronous side (a freeze completing) at a chosen read.
type readHook struct {
	fsOps
	before func(path string)
}

func (h readHook) ReadFile(path string) (string, error) {
	h.before(path)
	return h.fsOps.ReadFile(path)
}

func shortSettle(t *testing.T, d time.Duration) {
	old := FreezeSettle
	FreezeSettle = d
	t.Cleanup(func() { FreezeSettle = old })
}

func wantFrozen(t *testing.T, m Manager, want bool) {
	t.Helper()
	got, err := m.Frozen()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("Frozen() = %v, want %v", got, want)
	}
}

// wantFrozenError checks the error CheckNotFrozen returns for a frozen
// file at rel (relative to the fake root).
func wantFrozenError(t *testing.T, err error, root, rel, value string, own bool) {
	t.Helper()
	var fe *FrozenError
	if !errors.As(err, &fe) {
		t.Fatalf("want a *FrozenError, got %v", err)
	}
	if fe.File != root+"/"+rel || fe.Value != value || fe.Own != own || fe.Cgroup != "mycontainer/abc" {
		t.Errorf("FrozenError %+v, want file %s value %s own %v", fe, rel, value, own)
	}
	what := "is under a frozen cgroup"
	if own {
		what = "is frozen:"
	}
	wantErr(t, err, "cgroup mycontainer/abc "+what, fe.File, "thaw it first", "write "+fe.Thaw+" there")
	fe.Paused = true
	if own && !strings.Contains(err.Error(), "the container is paused; resume it first") {
		t.Errorf("paused own cgroup: %q", err)
	}
	if !own && strings.Contains(err.Error(), "paused") {
		t.Errorf("an ancestor's freeze is not a pause: %q", err)
	}
}
