package cgroups

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// v2Files are the files a new cgroup2 directory shows for each controller
// its parent enables, besides the core files.
var v2Files = map[string]map[string]string{
	"memory": {"memory.max": "max", "memory.swap.max": "max", "memory.low": "0", "memory.current": "0", "memory.peak": "0",
		"memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\noom_group_kill 0\n"},
	"pids":   {"pids.max": "max", "pids.current": "0"},
	"cpu":    {"cpu.weight": "100", "cpu.max": "max 100000"},
	"cpuset": {"cpuset.cpus": "", "cpuset.mems": "", "cpuset.cpus.effective": "0-3", "cpuset.mems.effective": "0"},
	"io":     {"io.weight": "default 100", "io.bfq.weight": "default 100"},
}

type v2Fake struct {
	*fakeKernel
	omit map[string]bool
}

// newV2Fake builds a cgroup2 root offering controllers.
func newV2Fake(t *testing.T, controllers string) *v2Fake {
	k := newFakeKernel(t)
	f := &v2Fake{fakeKernel: k, omit: map[string]bool{}}
	writeFiles(t, k.root, map[string]string{
		"cgroup.controllers": controllers + "\n", "cgroup.subtree_control": "\n",
		"cgroup.procs": "1\n", "cpu.stat": "usage_usec 0\n",
	})
	k.populate = func(dir string) {
		// A child is offered what its parent enables.
		on := strings.TrimSpace(k.read(k.rel(filepath.Join(filepath.Dir(dir), "cgroup.subtree_control"))))
		files := map[string]string{
			"cgroup.controllers": on, "cgroup.subtree_control": "", "cgroup.procs": "",
			"cgroup.events": "populated 0\nfrozen 0\n", "cgroup.kill": "", "cgroup.freeze": "0",
			"cpu.stat": "usage_usec 0\nuser_usec 0\nsystem_usec 0\n",
		}
		for _, c := range strings.Fields(on) {
			for n, v := range v2Files[c] {
				files[n] = v
			}
		}
		for n := range f.omit {
			delete(files, n)
		}
		writeFiles(t, dir, files)
	}
	k.onWrite = func(path, value string) {
		dir := filepath.Dir(path)
		switch filepath.Base(path) {
		case "cgroup.procs":
			writeFiles(t, dir, map[string]string{"cgroup.events": "populated 1\nfrozen 0\n"})
		case "cgroup.kill":
			writeFiles(t, dir, map[string]string{"cgroup.procs": "", "cgroup.events": "populated 0\nfrozen 0\n"})
		}
	}
	return f
}

func (f *v2Fake) manager(t *testing.T, res Resources) *v2Manager {
	t.Helper()
	if err := res.Validate(); err != nil {
		t.Fatal(err)
	}
	m := newV2(f, f.root, "mycontainer/abc", res)
	m.killTimeout = 100 * time.Millisecond
	m.destroyTimeout = 100 * time.Millisecond
	return m
}

const allV2 = "cpuset cpu io memory hugetlb pids rdma misc"

func TestV2ApplyWritesExactFiles(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{
		Memory: 64 << 20, MemorySwap: 96 << 20, MemoryReservation: 32 << 20,
		CPUQuota: 50000, CPUPeriod: 100000, CPUShares: 1024,
		CpusetCpus: "0-1", CpusetMems: "0",
		PidsLimit: 20, BlkioWeight: 500,
	})
	if err := m.Apply(4242); err != nil {
		t.Fatal(err)
	}
	wantList(t, "log", f.log, []string{
		// The root and the project parent hand the controllers down, one
		// per write; the leaf enables none (it holds the processes).
		"write cgroup.subtree_control=+cpuset",
		"write cgroup.subtree_control=+cpu",
		"write cgroup.subtree_control=+io",
		"write cgroup.subtree_control=+memory",
		"write cgroup.subtree_control=+pids",
		"mkdir mycontainer",
		"write mycontainer/cgroup.subtree_control=+cpuset",
		"write mycontainer/cgroup.subtree_control=+cpu",
		"write mycontainer/cgroup.subtree_control=+io",
		"write mycontainer/cgroup.subtree_control=+memory",
		"write mycontainer/cgroup.subtree_control=+pids",
		"mkdir mycontainer/abc",
		"write mycontainer/abc/cpuset.cpus=0-1",
		"write mycontainer/abc/cpuset.mems=0",
		"write mycontainer/abc/memory.max=67108864",
		// docker's memory+swap total minus memory: v2 limits swap alone.
		"write mycontainer/abc/memory.swap.max=33554432",
		"write mycontainer/abc/memory.low=33554432",
		// shares 1024 -> weight 1 + (1022*9999)/262142 = 39
		"write mycontainer/abc/cpu.weight=39",
		"write mycontainer/abc/cpu.max=50000 100000",
		"write mycontainer/abc/pids.max=20",
		// BFQ takes the v1 range as is; iocost gets 1 + (500-10)*9999/990.
		"write mycontainer/abc/io.bfq.weight=500",
		"write mycontainer/abc/io.weight=default 4950",
		"write mycontainer/abc/cgroup.procs=4242",
	})
	if m.Path() != filepath.Join(f.root, "mycontainer/abc") || m.Paths()[""] != m.Path() {
		t.Errorf("Path() = %s, Paths() = %v", m.Path(), m.Paths())
	}
}

func TestV2EnablesOnlyWhatIsMissing(t *testing.T) {
	f := newV2Fake(t, allV2)
	f.file("cgroup.subtree_control", "memory pids\n")
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	// No limits: memory and pids only, for Stats and OOM detection;
	// the root has them already.
	wantList(t, "writes", f.writes(), []string{
		"mycontainer/cgroup.subtree_control=+memory",
		"mycontainer/cgroup.subtree_control=+pids",
	})
	// A second container under the same parent writes nothing there.
	f.log = nil
	m2 := newV2(f, f.root, "mycontainer/def", Resources{})
	if err := m2.Create(); err != nil {
		t.Fatal(err)
	}
	wantList(t, "log", f.log, []string{"mkdir mycontainer/def"})
}

func TestV2HybridRootHasOnlyHugetlb(t *testing.T) {
	// The cgroup2 tree of a hybrid host: the controllers are bound to v1.
	f := newV2Fake(t, "hugetlb")
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	if w := f.writes(); len(w) != 0 {
		t.Errorf("optional controllers written: %q", w)
	}
	f2 := newV2Fake(t, "hugetlb")
	err := f2.manager(t, Resources{Memory: 64 << 20}).Create()
	wantErr(t, err, "needs the memory controller", "cgroup.controllers", "hybrid host")
	if f2.exists("mycontainer/abc") {
		t.Error("leaf created despite the error")
	}
}

func TestV2NoInternalProcessesHint(t *testing.T) {
	f := newV2Fake(t, allV2)
	f.fail = func(path, value string) error {
		if path == filepath.Join(f.root, "cgroup.subtree_control") {
			return unix.EBUSY // a namespace root that holds processes
		}
		return nil
	}
	err := f.manager(t, Resources{PidsLimit: 5}).Create()
	wantErr(t, err, "enable controller memory", "write +memory to "+filepath.Join(f.root, "cgroup.subtree_control"),
		"device or resource busy", "no-internal-processes rule")
}

func TestV2SwapSemantics(t *testing.T) {
	for _, tc := range []struct {
		name    string
		res     Resources
		noSwap  bool
		want    []string
		wantErr string
	}{
		{"docker default: swap as much as memory", Resources{Memory: 64 << 20}, false,
			[]string{"memory.max=67108864", "memory.swap.max=67108864"}, ""},
		{"equal: no swap", Resources{Memory: 64 << 20, MemorySwap: 64 << 20}, false,
			[]string{"memory.max=67108864", "memory.swap.max=0"}, ""},
		{"unlimited", Resources{Memory: 64 << 20, MemorySwap: -1}, false,
			[]string{"memory.max=67108864", "memory.swap.max=max"}, ""},
		{"no accounting, default", Resources{Memory: 64 << 20}, true,
			[]string{"memory.max=67108864"}, ""},
		{"no accounting, explicit", Resources{Memory: 64 << 20, MemorySwap: 128 << 20}, true, nil,
			"memory.swap.max does not exist"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newV2Fake(t, allV2)
			if tc.noSwap {
				f.omit["memory.swap.max"] = true
			}
			err := f.manager(t, tc.res).Create()
			if tc.wantErr != "" {
				wantErr(t, err, "apply swap limit", tc.wantErr, "--memory-swap needs swap accounting")
				if f.exists("mycontainer/abc") {
					t.Error("leaf left behind after failed Create")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range grep(f.writes(), "abc/memory.") {
				got = append(got, filepath.Base(w))
			}
			wantList(t, "memory writes", got, tc.want)
		})
	}
}

func TestV2CPUMax(t *testing.T) {
	for _, tc := range []struct {
		res  Resources
		want string
	}{
		{Resources{CPUQuota: 50000}, "cpu.max=50000 100000"},
		{Resources{CPUQuota: 20000, CPUPeriod: 50000}, "cpu.max=20000 50000"},
		{Resources{CPUPeriod: 50000}, "cpu.max=max 50000"},
		{Resources{PidsLimit: -1}, "pids.max=max"},
	} {
		f := newV2Fake(t, allV2)
		if err := f.manager(t, tc.res).Create(); err != nil {
			t.Fatal(err)
		}
		w := f.writes()
		if got := filepath.Base(w[len(w)-1]); got != tc.want {
			t.Errorf("%+v: last write %q, want %q", tc.res, got, tc.want)
		}
	}
}

func TestV2IOWeightFallbacks(t *testing.T) {
	f := newV2Fake(t, allV2)
	f.omit["io.bfq.weight"] = true
	if err := f.manager(t, Resources{BlkioWeight: 10}).Create(); err != nil {
		t.Fatal(err)
	}
	wantList(t, "io writes", grep(f.writes(), "abc/io."), []string{"mycontainer/abc/io.weight=default 1"})

	f2 := newV2Fake(t, allV2)
	f2.omit["io.bfq.weight"], f2.omit["io.weight"] = true, true
	wantErr(t, f2.manager(t, Resources{BlkioWeight: 10}).Create(), "apply io weight", "neither io.weight")
}

func TestV2CpusetErrorNamesParentEffective(t *testing.T) {
	f := newV2Fake(t, allV2)
	f.fail = func(path, value string) error {
		if strings.HasSuffix(path, "abc/cpuset.cpus") {
			return unix.EINVAL
		}
		return nil
	}
	// The parent's effective set in the fake is written at its mkdir.
	err := f.manager(t, Resources{CpusetCpus: "9"}).Create()
	wantErr(t, err, "apply cpuset cpus", "write 9 to", "cpuset.cpus.effective", `"0-3"`)
}

func TestV2StatsAndOOM(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{Memory: 32 << 20})
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	writeFiles(t, m.Path(), map[string]string{
		"memory.current": "4096\n", "memory.peak": "33554432\n", "pids.current": "2\n",
		"cpu.stat":      "usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n",
		"memory.events": "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\noom_group_kill 0\n",
	})
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{MemoryUsage: 4096, MemoryMaxUsage: 33554432, MemoryLimit: 32 << 20, CPUUsageNs: 1500000, PidsCurrent: 2, OOMKills: 1}
	if s != want {
		t.Errorf("Stats:\n got  %+v\n want %+v", s, want)
	}
	if oom, err := m.OOMKills(); err != nil || oom == 0 {
		t.Errorf("OOMKills = %v, %v", oom, err)
	}

	// Without the memory controller (a kernel before 5.19 has no
	// memory.peak either): the counters read 0, OOMKills says why it
	// cannot tell.
	for _, n := range []string{"memory.current", "memory.peak", "memory.max", "memory.events", "pids.current"} {
		os.Remove(filepath.Join(m.Path(), n))
	}
	s, err = m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if want := (Stats{MemoryLimit: -1, CPUUsageNs: 1500000}); s != want {
		t.Errorf("Stats without memory:\n got  %+v\n want %+v", s, want)
	}
	_, err = m.OOMKills()
	wantErr(t, err, "read OOM kills", "memory.events", "memory controller is not enabled")

	// A missing cgroup is an error, not zeros.
	os.RemoveAll(m.Path())
	_, err = m.Stats()
	wantErr(t, err, "read stats", "cpu.stat", "no such file or directory")
}

func TestV2KillWritesCgroupKill(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{})
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	var kl killLog
	m.kill = kl.kill
	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	if len(kl.calls) != 0 {
		t.Errorf("kill(2) used despite cgroup.kill: %v", kl.calls)
	}
	wantList(t, "last write", f.writes()[len(f.writes())-1:], []string{"mycontainer/abc/cgroup.kill=1"})
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	if f.exists("mycontainer/abc") || !f.exists("mycontainer") {
		t.Error("Destroy removed the wrong directories")
	}
}

func TestV2KillFallbackBefore514(t *testing.T) {
	f := newV2Fake(t, allV2)
	f.omit["cgroup.kill"] = true
	m := f.manager(t, Resources{})
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	f.file("mycontainer/abc/cgroup.procs", "77\n78\n")
	var kl killLog
	kl.after = func(pid int) {
		removePid(t, f.root, pid)
		if strings.TrimSpace(f.read("mycontainer/abc/cgroup.procs")) == "" {
			f.file("mycontainer/abc/cgroup.events", "populated 0\nfrozen 1\n")
		}
	}
	m.kill = kl.kill
	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	wantList(t, "kills", kl.calls, []string{"77:9", "78:9"})
	wantList(t, "freeze", grep(f.writes(), "cgroup.freeze"), []string{
		"mycontainer/abc/cgroup.freeze=1", "mycontainer/abc/cgroup.freeze=0",
	})
}

func TestV2KillTimesOut(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{})
	if err := m.Apply(77); err != nil {
		t.Fatal(err)
	}
	f.onWrite = nil // cgroup.kill does nothing: a stuck process
	err := m.Kill()
	wantErr(t, err, "wait for processes to exit", "populated 1 after")
}

func TestV2DestroyRemovesChildCgroupsFirst(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	if err := f.Mkdir(filepath.Join(m.Path(), "inner")); err != nil {
		t.Fatal(err)
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	wantList(t, "rmdirs", grep(f.log, "rmdir"), []string{"rmdir mycontainer/abc/inner", "rmdir mycontainer/abc"})
	if err := m.Destroy(); err != nil {
		t.Errorf("second Destroy: %v", err)
	}
}

func TestV2OpenFD(t *testing.T) {
	f := newV2Fake(t, allV2)
	m := f.manager(t, Resources{})
	if _, err := m.OpenFD(); err == nil {
		t.Fatal("OpenFD before Create succeeded")
	}
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	fd, err := m.OpenFD()
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		t.Fatal(err)
	}
	if fl&unix.O_PATH == 0 {
		t.Errorf("fd flags %#x lack O_PATH", fl)
	}
	if fdfl, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); fdfl&unix.FD_CLOEXEC == 0 {
		t.Error("fd is not close-on-exec")
	}
}
