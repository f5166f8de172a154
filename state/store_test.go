package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "root"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(filepath.Join(dir, "a", "b"))
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(s.Root)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("root mode %v, err %v", fi.Mode(), err)
	}
	if _, err := Open(s.Root); err != nil {
		t.Errorf("reopen: %v", err)
	}

	link := filepath.Join(dir, "link")
	os.Symlink(s.Root, link)
	if _, err := Open(link); err == nil || !strings.Contains(err.Error(), "symlink") {
		t.Errorf("symlink root: %v", err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := Open(file); err == nil {
		t.Error("file root accepted")
	}
	if _, err := Open("/"); err == nil {
		t.Error("/ accepted as root")
	}
	if _, err := Open(""); err == nil {
		t.Error("empty root accepted")
	}
}

func TestCreateLoadSave(t *testing.T) {
	s := newStore(t)
	st := &State{ID: "c1", Bundle: "/b", Rootfs: "/b/rootfs",
		Annotations: map[string]string{"k": "v"}, Config: json.RawMessage(`{"ociVersion":"1.2.1"}`)}
	if err := s.Create(st); err != nil {
		t.Fatal(err)
	}
	if st.Created.IsZero() {
		t.Error("Create did not set Created")
	}
	got, err := s.Load("c1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Bundle != "/b" || got.Annotations["k"] != "v" || string(got.Config) != `{"ociVersion":"1.2.1"}` ||
		!got.Created.Equal(st.Created) {
		t.Errorf("round trip: %+v", got)
	}
	if fi, _ := os.Stat(s.Dir("c1")); fi.Mode().Perm() != 0o700 {
		t.Errorf("dir mode %v", fi.Mode())
	}
	got.Pid, got.PidStart, got.Started = 42, 7, true
	if err := s.Save(got); err != nil {
		t.Fatal(err)
	}
	again, _ := s.Load("c1")
	if again.Pid != 42 || again.PidStart != 7 || !again.Started || string(again.Config) != `{"ociVersion":"1.2.1"}` {
		t.Errorf("after save: %+v", again)
	}
	// The config is kept beside state.json as written, not inside it.
	if b, _ := os.ReadFile(filepath.Join(s.Dir("c1"), "state.json")); strings.Contains(string(b), "ociVersion") {
		t.Errorf("state.json holds the config: %s", b)
	}
	if s.ExecFifo("c1") != filepath.Join(s.Root, "c1", "exec.fifo") {
		t.Errorf("ExecFifo = %s", s.ExecFifo("c1"))
	}
	// Only config.json and state.json are left behind: no temp files.
	ents, _ := os.ReadDir(s.Dir("c1"))
	if len(ents) != 2 || ents[0].Name() != "config.json" || ents[1].Name() != "state.json" {
		t.Errorf("dir contents: %v", ents)
	}
}

func TestCreateExisting(t *testing.T) {
	s := newStore(t)
	if err := s.Create(&State{ID: "dup"}); err != nil {
		t.Fatal(err)
	}
	err := s.Create(&State{ID: "dup", Bundle: "/other"})
	if err == nil || !errors.Is(err, ErrExist) || !strings.Contains(err.Error(), `container "dup" already exists`) {
		t.Fatalf("second create: %v", err)
	}
	if st, _ := s.Load("dup"); st.Bundle != "" {
		t.Error("failed create overwrote the existing state")
	}
}

func TestCreateRejects(t *testing.T) {
	s := newStore(t)
	if err := s.Create(&State{ID: "../escape"}); err == nil {
		t.Error("bad id accepted")
	}
	if err := s.Create(&State{ID: "rel", Bundle: "relative/bundle"}); err == nil {
		t.Error("relative bundle accepted")
	}
	if _, err := os.Stat(s.Dir("rel")); !os.IsNotExist(err) {
		t.Error("failed create left its directory behind")
	}
}

func TestLoadMissing(t *testing.T) {
	s := newStore(t)
	_, err := s.Load("nope")
	if !errors.Is(err, ErrNotExist) || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing dir: %v", err)
	}
	os.Mkdir(s.Dir("half"), 0o700) // create in progress: no state.json yet
	if _, err := s.Load("half"); !errors.Is(err, ErrNotExist) {
		t.Errorf("half-created: %v", err)
	}
	if err := s.Save(&State{ID: "nodir"}); !errors.Is(err, ErrNotExist) {
		t.Errorf("save without dir: %v", err)
	}
	if _, err := s.Load("../x"); err == nil || errors.Is(err, ErrNotExist) {
		t.Errorf("bad id: %v", err)
	}
}

func TestLoadCorrupt(t *testing.T) {
	s := newStore(t)
	os.Mkdir(s.Dir("bad"), 0o700)
	os.WriteFile(filepath.Join(s.Dir("bad"), "state.json"), []byte("{"), 0o600)
	if _, err := s.Load("bad"); err == nil || errors.Is(err, ErrNotExist) || !strings.Contains(err.Error(), "corrupt") {
		t.Errorf("corrupt: %v", err)
	}
	os.Mkdir(s.Dir("swap"), 0o700)
	os.WriteFile(filepath.Join(s.Dir("swap"), "state.json"), []byte(`{"id":"other"}`), 0o600)
	if _, err := s.Load("swap"); err == nil {
		t.Error("state naming another id accepted")
	}
}

func TestRemoveIdempotent(t *testing.T) {
	s := newStore(t)
	s.Create(&State{ID: "r"})
	unlock, _ := s.Lock("r")
	unlock()
	os.WriteFile(s.ExecFifo("r"), nil, 0o600)
	for i := range 3 {
		if err := s.Remove("r"); err != nil {
			t.Fatalf("remove #%d: %v", i, err)
		}
	}
	if _, err := os.Stat(s.Dir("r")); !os.IsNotExist(err) {
		t.Error("dir still there")
	}
	if err := s.Remove("never"); err != nil {
		t.Error(err)
	}
	if err := s.Remove(".."); err == nil {
		t.Error("Remove(\"..\") accepted")
	}
}

func TestListSkipsJunk(t *testing.T) {
	s := newStore(t)
	for _, id := range []string{"b", "a", "c"} {
		if err := s.Create(&State{ID: id}); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(s.Dir("half"), 0o700)                          // no state.json
	os.WriteFile(filepath.Join(s.Root, "file"), nil, 0o600) // not a dir
	os.Mkdir(filepath.Join(s.Root, "bad name"), 0o700)      // invalid id
	os.Symlink(s.Dir("a"), filepath.Join(s.Root, "alias"))  // symlink
	os.Mkdir(s.Dir("corrupt"), 0o700)                       // unreadable state
	os.WriteFile(filepath.Join(s.Dir("corrupt"), "state.json"), []byte("nul"), 0o600)
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, st := range list {
		ids = append(ids, st.ID)
	}
	if strings.Join(ids, ",") != "a,b,c" {
		t.Errorf("List = %v", ids)
	}
	empty := newStore(t)
	if l, err := empty.List(); err != nil || len(l) != 0 {
		t.Errorf("empty list: %v %v", l, err)
	}
}

// A reader must never see a torn state.json while a writer keeps saving.
func TestSaveAtomicUnderConcurrentReads(t *testing.T) {
	s := newStore(t)
	if err := s.Create(&State{ID: "x"}); err != nil {
		t.Fatal(err)
	}
	// The config is written once by Create: the annotations vary here.
	small := map[string]string{"n": "1"}
	big := map[string]string{"pad": strings.Repeat("y", 256<<10)}

	var stop atomic.Bool
	var reads, writes atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			st := &State{ID: "x", Pid: i, Annotations: small}
			if i%2 == 1 {
				st.Annotations = big
			}
			if err := s.Save(st); err != nil {
				errs <- err
				return
			}
			writes.Add(1)
		}
	}()
	for range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for !stop.Load() {
				st, err := s.Load("x")
				if err != nil {
					errs <- fmt.Errorf("torn read: %w", err)
					return
				}
				if want := st.Pid%2 == 1; want != (len(st.Annotations["pad"]) == len(big["pad"])) {
					errs <- fmt.Errorf("pid %d with a pad of %d bytes", st.Pid, len(st.Annotations["pad"]))
					return
				}
				reads.Add(1)
			}
		}()
	}
	// Run long enough for many overlaps, but fsync speed varies by disk.
	begin := time.Now()
	for time.Since(begin) < 300*time.Millisecond || (writes.Load() < 30 && time.Since(begin) < 10*time.Second) {
		time.Sleep(10 * time.Millisecond)
	}
	stop.Store(true)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	t.Logf("%d writes, %d reads", writes.Load(), reads.Load())
	if writes.Load() < 10 || reads.Load() < 10 {
		t.Errorf("too little traffic to mean anything")
	}
}

func TestParallelCreateRemove(t *testing.T) {
	s := newStore(t)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := fmt.Sprintf("ctr-%d", i)
			err := s.Create(&State{ID: id, Bundle: "/b/" + id})
			if err == nil {
				var unlock func()
				if unlock, err = s.Lock(id); err == nil {
					var st *State
					if st, err = s.Load(id); err == nil && st.Bundle != "/b/"+id {
						err = fmt.Errorf("%s: wrong state %+v", id, st)
					}
					if err == nil {
						err = s.Remove(id)
					}
					unlock()
				}
			}
			if err == nil {
				_, err = s.List() // listing during churn must not fail
			}
			if err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if ents, _ := os.ReadDir(s.Root); len(ents) != 0 {
		t.Errorf("left behind: %v", ents)
	}
}

// A runtime SIGKILLed inside CreateLocked or Remove leaves a hidden
// directory; List removes it once the PID in its name is dead (or now
// names a process with another start time), and never one whose runtime
// still lives.
func TestListEmptiesTrashOfDeadRuntimes(t *testing.T) {
	s := newStore(t)
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := dead.ProcessState.Pid()
	for _, n := range []string{
		fmt.Sprintf(".new.%d.1.a", deadPID), fmt.Sprintf(".del.%d.2.b", deadPID),
		".new.1.3.c",           // PID 1 lives
		".del.1-999999999.4.d", // PID 1 lives, but started at another time: reused
	} {
		if err := os.MkdirAll(filepath.Join(s.Root, n, "sub"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Create(&State{ID: "live"}); err != nil {
		t.Fatal(err)
	}
	sts, err := s.List()
	if err != nil || len(sts) != 1 || sts[0].ID != "live" {
		t.Fatalf("list: %v %v", sts, err)
	}
	ents, _ := os.ReadDir(s.Root)
	var left []string
	for _, e := range ents {
		left = append(left, e.Name())
	}
	if !slices.Equal(left, []string{".new.1.3.c", "live"}) {
		t.Errorf("after List the root holds %v; want the live runtime's leftover and the container", left)
	}
	if err := s.Remove("live"); err != nil {
		t.Fatal(err)
	}
	ents, _ = os.ReadDir(s.Root)
	if len(ents) != 1 {
		t.Errorf("Remove left %v", ents)
	}
}
