package state

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// When the test binary is re-executed with these set, it becomes a helper
// process that takes the lock, says "locked", and holds it until stdin closes.
const (
	helperRoot = "MYCONTAINER_STATE_TEST_LOCK_ROOT"
	helperID   = "MYCONTAINER_STATE_TEST_LOCK_ID"
)

func TestMain(m *testing.M) {
	if root := os.Getenv(helperRoot); root != "" {
		os.Exit(lockHelper(root, os.Getenv(helperID)))
	}
	os.Exit(m.Run())
}

func lockHelper(root, id string) int {
	s := &Store{Root: root}
	unlock, err := s.Lock(id)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	unlock()
	return 0
}

func TestLockSerialisesGoroutines(t *testing.T) {
	s := newStore(t)
	s.Create(&State{ID: "l"})
	var inside atomic.Int32
	var overlap atomic.Bool
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				unlock, err := s.Lock("l")
				if err != nil {
					t.Error(err)
					return
				}
				if inside.Add(1) != 1 {
					overlap.Store(true)
				}
				time.Sleep(100 * time.Microsecond)
				inside.Add(-1)
				unlock()
			}
		}()
	}
	wg.Wait()
	if overlap.Load() {
		t.Error("two goroutines were inside the lock at once")
	}
}

func TestLockSerialisesProcesses(t *testing.T) {
	s := newStore(t)
	s.Create(&State{ID: "p"})

	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperRoot+"="+s.Root, helperID+"=p")
	cmd.Stderr = os.Stderr
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper: %q %v", line, err)
	}

	got := make(chan func(), 1)
	go func() {
		unlock, err := s.Lock("p")
		if err != nil {
			t.Error(err)
			close(got)
			return
		}
		got <- unlock
	}()
	select {
	case <-got:
		t.Fatal("took the lock while another process held it")
	case <-time.After(300 * time.Millisecond):
	}
	stdin.Close() // helper unlocks and exits
	select {
	case unlock := <-got:
		if unlock != nil {
			unlock()
			unlock() // idempotent
		}
	case <-time.After(10 * time.Second):
		t.Fatal("lock not granted after the other process released it")
	}
	if err := cmd.Wait(); err != nil {
		t.Errorf("helper: %v", err)
	}
}

// A lock held by a process that dies is released by the kernel.
func TestLockReleasedWhenHolderDies(t *testing.T) {
	s := newStore(t)
	s.Create(&State{ID: "d"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperRoot+"="+s.Root, helperID+"=d")
	stdout, _ := cmd.StdoutPipe()
	cmd.StdinPipe() // kept open: the helper would hold the lock forever
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if line, _ := bufio.NewReader(stdout).ReadString('\n'); line != "locked\n" {
		t.Fatalf("helper said %q", line)
	}
	cmd.Process.Kill()
	cmd.Wait()
	done := make(chan error, 1)
	go func() {
		unlock, err := s.Lock("d")
		if err == nil {
			unlock()
		}
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("lock of a dead process was not released")
	}
}

func TestLockMissingContainer(t *testing.T) {
	s := newStore(t)
	if _, err := s.Lock("ghost"); !errors.Is(err, ErrNotExist) {
		t.Errorf("lock of missing container: %v", err)
	}
	if _, err := os.Stat(s.Dir("ghost")); !os.IsNotExist(err) {
		t.Error("Lock created the container directory")
	}
	if _, err := s.Lock("../x"); err == nil {
		t.Error("bad id accepted")
	}
}

// delete holds the lock and removes the container; a command that was
// waiting for the lock must then see the container gone, not hold a lock
// on the deleted file.
func TestLockWaiterSeesDelete(t *testing.T) {
	s := newStore(t)
	s.Create(&State{ID: "w"})
	unlock, err := s.Lock("w")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		u, err := s.Lock("w")
		if err == nil {
			u()
		}
		done <- err
	}()
	time.Sleep(100 * time.Millisecond)
	if err := s.Remove("w"); err != nil {
		t.Fatal(err)
	}
	unlock()
	if err := <-done; !errors.Is(err, ErrNotExist) {
		t.Errorf("waiter after delete: %v", err)
	}
}
