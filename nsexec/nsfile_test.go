package nsexec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Attack: a namespace path that is a FIFO. A plain open() blocks until a
// writer comes, so the check must fail at once instead.
func TestNamespacePathFIFODoesNotBlock(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := unix.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- CheckNamespaceFile(fifo, unix.CLONE_NEWNET) }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "a FIFO") || !strings.Contains(err.Error(), "/proc/PID/ns/net") {
			t.Errorf("error %v, want one naming the FIFO and the expected file", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("checking a FIFO as a namespace path blocked")
	}
}

func TestNamespacePathRegularFile(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(f, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CheckNamespaceFile(f, unix.CLONE_NEWUTS); err == nil || !strings.Contains(err.Error(), "a regular file") {
		t.Errorf("error %v, want one saying it is a regular file", err)
	}
}

// A namespace file of another type: setns would fail with a bare EINVAL.
func TestNamespacePathWrongType(t *testing.T) {
	err := CheckNamespaceFile("/proc/self/ns/net", unix.CLONE_NEWUTS)
	if err == nil || !strings.Contains(err.Error(), "it is a network namespace") {
		t.Errorf("error %v, want one naming the type found", err)
	}
	if err := CheckNamespaceFile("/proc/self/ns/net", unix.CLONE_NEWNET); err != nil {
		t.Errorf("the caller's own network namespace: %v", err)
	}
	if err := CheckNamespaceFile("/proc/self/ns/mnt", unix.CLONE_NEWNS); err != nil {
		t.Errorf("the caller's own mount namespace: %v", err)
	}
}
