package cgroups

import (
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

const v1Unlimited = "9223372036854771712"

// v1Files are the files a new v1 cgroup shows, per controller, with the
// kernel's defaults (as measured on the build host).
var v1Files = map[string]map[string]string{
	"memory": {
		"memory.limit_in_bytes":       v1Unlimited,
		"memory.memsw.limit_in_bytes": v1Unlimited,
		"memory.soft_limit_in_bytes":  v1Unlimited,
		"memory.usage_in_bytes":       "0",
		"memory.max_usage_in_bytes":   "0",
		"memory.oom_control":          "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
	},
	"cpu":     {"cpu.shares": "1024", "cpu.cfs_quota_us": "-1", "cpu.cfs_period_us": "100000"},
	"cpuacct": {"cpuacct.usage": "0"},
	"cpuset":  {"cpuset.cpus": "", "cpuset.mems": ""},
	"pids":    {"pids.max": "max", "pids.current": "0"},
	"freezer": {"freezer.state": "THAWED"},
	"blkio":   {"blkio.bfq.weight": "100"},
	"devices": {"devices.list": "a *:* rwm", "devices.allow": "", "devices.deny": ""},
}

type v1Fake struct {
	*fakeKernel
	mounts V1Mounts
	noSwap bool              // no memory.memsw.* files: swap accounting is off
	omit   map[string]bool   // files the kernel of this test does not have
	extra  map[string]string // files it has on top, for every new cgroup
}

// newV1Fake builds hierarchies like most hosts have them: cpu and cpuacct
// co-mounted, every other controller alone.
func newV1Fake(t *testing.T) *v1Fake {
	k := newFakeKernel(t)
	f := &v1Fake{fakeKernel: k, mounts: V1Mounts{}, omit: map[string]bool{}, extra: map[string]string{}}
	groups := map[string][]string{
		"cpu,cpuacct": {"cpu", "cpuacct"},
		"cpuset":      {"cpuset"}, "memory": {"memory"}, "pids": {"pids"},
		"freezer": {"freezer"}, "blkio": {"blkio"}, "devices": {"devices"},
	}
	ctrlsOf := map[string][]string{}
	for dir, ctrls := range groups {
		mp := filepath.Join(k.root, dir)
		ctrlsOf[mp] = ctrls
		for _, c := range ctrls {
			f.mounts[c] = mp
		}
		if err := os.Mkdir(mp, 0o755); err != nil {
			t.Fatal(err)
		}
		f.fill(mp, ctrls)
	}
	// The root cpuset has every CPU and node.
	k.file("cpuset/cpuset.cpus", "0-3\n")
	k.file("cpuset/cpuset.mems", "0\n")
	k.populate = func(dir string) {
		for mp, ctrls := range ctrlsOf {
			if strings.HasPrefix(dir, mp+"/") {
				f.fill(dir, ctrls)
			}
		}
	}
	// Kernel rules the managers must respect.
	k.fail = func(path, value string) error {
		dir, name := filepath.Split(path)
		switch name {
		case "memory.limit_in_bytes", "memory.memsw.limit_in_bytes":
			lim, sw := f.num(filepath.Join(dir, "memory.limit_in_bytes")), f.num(filepath.Join(dir, "memory.memsw.limit_in_bytes"))
			v := parseLimit(value)
			if name == "memory.limit_in_bytes" && !f.noSwap && v > sw {
				return unix.EINVAL
			}
			if name == "memory.memsw.limit_in_bytes" && v < lim {
				return unix.EINVAL
			}
		case "cgroup.procs":
			if strings.HasPrefix(path, f.mounts["cpuset"]+"/") && strings.TrimSpace(k.read(k.rel(filepath.Join(dir, "cpuset.cpus")))) == "" {
				return unix.ENOSPC
			}
		}
		return nil
	}
	return f
}

func parseLimit(s string) int64 {
	s = strings.TrimSpace(s)
	if s == "-1" {
		return math.MaxInt64
	}
	v, _ := strconv.ParseInt(s, 10, 64)
	return v
}

func (f *v1Fake) num(path string) int64 {
	b, err := os.ReadFile(path)
	if err != nil {
		return math.MaxInt64
	}
	return parseLimit(string(b))
}

func (f *v1Fake) fill(dir string, ctrls []string) {
	files := map[string]string{"cgroup.procs": "", "tasks": ""}
	for _, c := range ctrls {
		for n, v := range v1Files[c] {
			if f.omit[n] || f.noSwap && strings.HasPrefix(n, "memory.memsw.") {
				continue
			}
			files[n] = v
		}
	}
	if filepath.Base(filepath.Dir(dir)) != filepath.Base(f.root) { // not a hierarchy root
		for n, v := range f.extra {
			files[n] = v
		}
	}
	writeFiles(f.t, dir, files)
}

func (f *v1Fake) manager(t *testing.T, res Resources) *v1Manager {
	t.Helper()
	if err := res.Validate(); err != nil {
		t.Fatal(err)
	}
	m, err := newV1(f, f.mounts, "mycontainer/abc", res)
	if err != nil {
		t.Fatal(err)
	}
	m.killTimeout = 100 * time.Millisecond
	m.destroyTimeout = 100 * time.Millisecond
	return m
}

func TestV1ApplyWritesExactFiles(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{
		Memory: 64 << 20, MemorySwap: 96 << 20, MemoryReservation: 32 << 20,
		CPUQuota: 50000, CPUPeriod: 100000, CPUShares: 512,
		CpusetCpus: "0-1", CpusetMems: "0",
		PidsLimit: 20, BlkioWeight: 500,
	})
	if err := m.Apply(4242); err != nil {
		t.Fatal(err)
	}
	wantList(t, "writes", f.writes(), []string{
		// Every level of the cpuset hierarchy is filled from its parent
		// before anything else: the project parent first, then the
		// container.
		"cpuset/mycontainer/cpuset.cpus=0-3",
		"cpuset/mycontainer/cpuset.mems=0",
		"cpuset/mycontainer/abc/cpuset.cpus=0-3",
		"cpuset/mycontainer/abc/cpuset.mems=0",
		// Then the limits.
		"cpuset/mycontainer/abc/cpuset.cpus=0-1",
		"cpuset/mycontainer/abc/cpuset.mems=0",
		// Fresh cgroup: the limit is unlimited, so it must shrink first;
		// memsw (memory+swap, docker semantics) follows.
		"memory/mycontainer/abc/memory.limit_in_bytes=67108864",
		"memory/mycontainer/abc/memory.memsw.limit_in_bytes=100663296",
		"memory/mycontainer/abc/memory.soft_limit_in_bytes=33554432",
		"cpu,cpuacct/mycontainer/abc/cpu.shares=512",
		"cpu,cpuacct/mycontainer/abc/cpu.cfs_period_us=100000",
		"cpu,cpuacct/mycontainer/abc/cpu.cfs_quota_us=50000",
		"pids/mycontainer/abc/pids.max=20",
		"blkio/mycontainer/abc/blkio.bfq.weight=500",
		// The process joins every hierarchy, co-mounted cpu,cpuacct once.
		"blkio/mycontainer/abc/cgroup.procs=4242",
		"cpu,cpuacct/mycontainer/abc/cgroup.procs=4242",
		"cpuset/mycontainer/abc/cgroup.procs=4242",
		"devices/mycontainer/abc/cgroup.procs=4242",
		"freezer/mycontainer/abc/cgroup.procs=4242",
		"memory/mycontainer/abc/cgroup.procs=4242",
		"pids/mycontainer/abc/cgroup.procs=4242",
	})
	var mkdirs []string
	for _, l := range f.log {
		if strings.HasPrefix(l, "mkdir ") {
			mkdirs = append(mkdirs, l)
		}
	}
	if len(mkdirs) != 14 { // 7 hierarchies x (parent + container)
		t.Errorf("mkdirs: %q", mkdirs)
	}
	if got := m.Path(); got != filepath.Join(f.root, "memory/mycontainer/abc") {
		t.Errorf("Path() = %s", got)
	}
	if p := m.Paths(); p["cpu"] != p["cpuacct"] || p["cpu"] != filepath.Join(f.root, "cpu,cpuacct/mycontainer/abc") || len(p) != 8 {
		t.Errorf("Paths() = %v", p)
	}
}

func TestV1NoLimitsOnlyJoins(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	if err := m.Apply(7); err != nil {
		t.Fatal(err)
	}
	for _, w := range f.writes() {
		if !strings.Contains(w, "cgroup.procs=7") && !strings.Contains(w, "cpuset.") {
			t.Errorf("unexpected write %s", w)
		}
	}
}

func TestV1MemorySwapOrderWhenRaising(t *testing.T) {
	f := newV1Fake(t)
	// An existing cgroup limited to 32M memory and 32M memory+swap.
	f.file("memory/mycontainer/abc/memory.limit_in_bytes", "33554432")
	f.file("memory/mycontainer/abc/memory.memsw.limit_in_bytes", "33554432")
	m := f.manager(t, Resources{Memory: 64 << 20, MemorySwap: 64 << 20})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	// Raising: the limit may never exceed memsw, so memsw goes first.
	wantList(t, "memory writes", grep(f.writes(), "memory."), []string{
		"memory/mycontainer/abc/memory.memsw.limit_in_bytes=67108864",
		"memory/mycontainer/abc/memory.limit_in_bytes=67108864",
	})
}

func TestV1MemorySwapOrderWhenLowering(t *testing.T) {
	f := newV1Fake(t)
	f.file("memory/mycontainer/abc/memory.limit_in_bytes", "134217728")
	f.file("memory/mycontainer/abc/memory.memsw.limit_in_bytes", "134217728")
	m := f.manager(t, Resources{Memory: 32 << 20, MemorySwap: 64 << 20})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	wantList(t, "memory writes", grep(f.writes(), "memory."), []string{
		"memory/mycontainer/abc/memory.limit_in_bytes=33554432",
		"memory/mycontainer/abc/memory.memsw.limit_in_bytes=67108864",
	})
}

func TestV1SwapSemantics(t *testing.T) {
	for _, tc := range []struct {
		name    string
		res     Resources
		noSwap  bool
		want    []string
		wantErr string
	}{
		{"docker default: swap as much as memory", Resources{Memory: 64 << 20}, false,
			[]string{"memory.limit_in_bytes=67108864", "memory.memsw.limit_in_bytes=134217728"}, ""},
		{"swap equal to memory: no swap", Resources{Memory: 64 << 20, MemorySwap: 64 << 20}, false,
			[]string{"memory.limit_in_bytes=67108864", "memory.memsw.limit_in_bytes=67108864"}, ""},
		{"unlimited swap", Resources{Memory: 64 << 20, MemorySwap: -1}, false,
			[]string{"memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=67108864"}, ""},
		{"no accounting, default", Resources{Memory: 64 << 20}, true,
			[]string{"memory.limit_in_bytes=67108864"}, ""},
		{"no accounting, unlimited", Resources{Memory: 64 << 20, MemorySwap: -1}, true,
			[]string{"memory.limit_in_bytes=67108864"}, ""},
		{"no accounting, explicit", Resources{Memory: 64 << 20, MemorySwap: 128 << 20}, true,
			nil, "--memory-swap needs swap accounting"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newV1Fake(t)
			f.noSwap = tc.noSwap
			m := f.manager(t, tc.res)
			err := m.Create()
			if tc.wantErr != "" {
				wantErr(t, err, tc.wantErr, "memory.memsw.limit_in_bytes does not exist", "swapaccount=1")
				// Create cleans up after itself.
				if f.exists("memory/mycontainer/abc") {
					t.Error("container directory left behind after failed Create")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, w := range grep(f.writes(), "memory.") {
				got = append(got, filepath.Base(w))
			}
			wantList(t, "memory writes", got, tc.want)
		})
	}
}

func TestV1ErrorNamesStepFileAndReason(t *testing.T) {
	f := newV1Fake(t)
	f.fail = func(path, value string) error {
		if filepath.Base(path) == "memory.limit_in_bytes" {
			return unix.EBUSY
		}
		return nil
	}
	m := f.manager(t, Resources{Memory: 32 << 20, MemorySwap: 32 << 20})
	err := m.Create()
	want := "cgroups: apply memory limit: write 33554432 to " + filepath.Join(f.root, "memory/mycontainer/abc/memory.limit_in_bytes") +
		": device or resource busy (the cgroup already uses more memory than this and the kernel could not reclaim enough)"
	if err == nil || err.Error() != want {
		t.Fatalf("error:\n got  %v\n want %s", err, want)
	}
	if !errnoIs(err, unix.EBUSY) {
		t.Error("errno not reachable through errors.Is")
	}
	// The failed Create removed the container directories, not the
	// shared parent.
	for _, h := range []string{"memory", "cpu,cpuacct", "cpuset", "pids", "freezer", "blkio", "devices"} {
		if f.exists(h + "/mycontainer/abc") {
			t.Errorf("%s/mycontainer/abc left behind", h)
		}
		if !f.exists(h + "/mycontainer") {
			t.Errorf("%s/mycontainer removed", h)
		}
	}
}

func TestV1CpusetErrorNamesParentSet(t *testing.T) {
	f := newV1Fake(t)
	fail := f.fail
	f.fail = func(path, value string) error {
		if strings.HasSuffix(path, "abc/cpuset.cpus") && value == "7" {
			return unix.EINVAL
		}
		return fail(path, value)
	}
	m := f.manager(t, Resources{CpusetCpus: "7"})
	wantErr(t, m.Create(), "apply cpuset cpus", "cpuset.cpus: invalid argument", `parent's cpuset.cpus, which is "0-3"`)
}

func TestV1JoinEmptyCpusetHint(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	f.file("cpuset/mycontainer/abc/cpuset.cpus", "")
	wantErr(t, m.AddProc(5), "add process 5", "no space left on device", "cpuset.cpus or cpuset.mems is empty")
}

func TestV1CPUPeriodOnly(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{CPUQuota: 20000})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	wantList(t, "cpu writes", grep(f.writes(), "cpu.cfs"), []string{
		"cpu,cpuacct/mycontainer/abc/cpu.cfs_period_us=100000",
		"cpu,cpuacct/mycontainer/abc/cpu.cfs_quota_us=20000",
	})
}

func TestV1PidsUnlimitedIsMax(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{PidsLimit: -1})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	wantList(t, "pids writes", grep(f.writes(), "pids.max"), []string{"pids/mycontainer/abc/pids.max=max"})
}

func TestV1BlkioWeightFiles(t *testing.T) {
	// This host: BFQ only (CFQ's blkio.weight left the kernel in 5.0).
	f := newV1Fake(t)
	f.omit["blkio.bfq.weight"] = true
	m := f.manager(t, Resources{BlkioWeight: 300})
	wantErr(t, m.Create(), "apply blkio weight", "neither blkio.weight (CFQ) nor blkio.bfq.weight")

	// An old kernel with both: both get the weight.
	f2 := newV1Fake(t)
	f2.extra["blkio.weight"] = "500"
	m2 := f2.manager(t, Resources{BlkioWeight: 300})
	if err := m2.Create(); err != nil {
		t.Fatal(err)
	}
	wantList(t, "blkio writes", grep(f2.writes(), "blkio."), []string{
		"blkio/mycontainer/abc/blkio.weight=300",
		"blkio/mycontainer/abc/blkio.bfq.weight=300",
	})
}

func TestV1MissingController(t *testing.T) {
	f := newV1Fake(t)
	mounts := V1Mounts{}
	for c, mp := range f.mounts {
		if c != "memory" {
			mounts[c] = mp
		}
	}
	_, err := newV1(f, mounts, "mycontainer/abc", Resources{Memory: 64 << 20})
	wantErr(t, err, "--memory", "needs the v1 memory controller", "no hierarchy with it is mounted")
	// Without a memory limit, a missing memory hierarchy is fine.
	m, err := newV1(f, mounts, "mycontainer/abc", Resources{PidsLimit: 5})
	if err != nil {
		t.Fatal(err)
	}
	if m.Path() != filepath.Join(f.root, "blkio/mycontainer/abc") {
		t.Errorf("Path() without memory = %s", m.Path())
	}
}

func TestV1StatsAndOOM(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{Memory: 32 << 20})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	f.file("memory/mycontainer/abc/memory.usage_in_bytes", "1000\n")
	f.file("memory/mycontainer/abc/memory.max_usage_in_bytes", "33554432\n")
	f.file("memory/mycontainer/abc/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n")
	f.file("cpu,cpuacct/mycontainer/abc/cpuacct.usage", "123456789\n")
	f.file("pids/mycontainer/abc/pids.current", "3\n")
	s, err := m.Stats()
	if err != nil {
		t.Fatal(err)
	}
	want := Stats{MemoryUsage: 1000, MemoryMaxUsage: 33554432, MemoryLimit: 32 << 20, CPUUsageNs: 123456789, PidsCurrent: 3, OOMKills: 2}
	if s != want {
		t.Errorf("Stats:\n got  %+v\n want %+v", s, want)
	}
	if oom, err := m.OOMKills(); err != nil || oom != 2 {
		t.Errorf("OOMKills = %v, %v", oom, err)
	}
	f.file("memory/mycontainer/abc/memory.limit_in_bytes", v1Unlimited)
	if s, err := m.Stats(); err != nil || s.MemoryLimit != -1 {
		t.Errorf("unlimited reads as %d, %v", s.MemoryLimit, err)
	}
	f.file("memory/mycontainer/abc/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n")
	wantErr(t, func() error { _, err := m.OOMKills(); return err }(), "no oom_kill line", "4.13")
}

func TestV1KillFreezesKillsThaws(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"memory", "freezer", "pids"} {
		f.file(h+"/mycontainer/abc/cgroup.procs", "111\n222\n")
	}
	var kl killLog
	kl.after = func(pid int) {
		// A killed frozen task stays listed until the thaw.
		if strings.TrimSpace(f.read("freezer/mycontainer/abc/freezer.state")) != "FROZEN" {
			t.Errorf("kill of %d while not frozen", pid)
		}
	}
	f.onWrite = func(path, value string) {
		if filepath.Base(path) == "freezer.state" && value == "THAWED" {
			removePid(t, f.root, 111)
			removePid(t, f.root, 222)
		}
	}
	m.kill = kl.kill
	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	wantList(t, "kills", kl.calls, []string{"111:9", "222:9"})
	wantList(t, "freezer writes", grep(f.writes(), "freezer.state"), []string{
		"freezer/mycontainer/abc/freezer.state=FROZEN",
		"freezer/mycontainer/abc/freezer.state=THAWED",
	})
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	for _, d := range m.dirs() {
		if _, err := os.Stat(d); !os.IsNotExist(err) {
			t.Errorf("%s still exists", d)
		}
	}
}

func TestV1KillThawsEvenWhenFreezeHangs(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	f.file("freezer/mycontainer/abc/cgroup.procs", "111\n")
	f.onWrite = func(path, value string) {
		if filepath.Base(path) == "freezer.state" && value == "FROZEN" {
			f.file("freezer/mycontainer/abc/freezer.state", "FREEZING") // a task in D state
		}
	}
	var kl killLog
	kl.after = func(pid int) { removePid(t, f.root, pid) }
	m.kill = kl.kill
	err := m.Kill()
	wantErr(t, err, "wait for freeze", `still "FREEZING"`)
	wantList(t, "kills", kl.calls, []string{"111:9"})
	if w := grep(f.writes(), "freezer.state"); len(w) != 2 || !strings.HasSuffix(w[1], "=THAWED") {
		t.Errorf("no thaw: %q", w)
	}
}

func TestV1KillWithoutFreezer(t *testing.T) {
	f := newV1Fake(t)
	delete(f.mounts, "freezer")
	m, err := newV1(f, f.mounts, "mycontainer/abc", Resources{})
	if err != nil {
		t.Fatal(err)
	}
	m.killTimeout = time.Second
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	f.file("blkio/mycontainer/abc/cgroup.procs", "5\n")
	var kl killLog
	kl.after = func(pid int) {
		removePid(t, f.root, pid)
		if pid == 5 { // it forked before dying
			f.file("blkio/mycontainer/abc/cgroup.procs", "6\n")
		}
	}
	m.kill = kl.kill
	if err := m.Kill(); err != nil {
		t.Fatal(err)
	}
	wantList(t, "kills", kl.calls, []string{"5:9", "6:9"})
}

func TestV1KillMissingCgroupIsNoop(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	var kl killLog
	m.kill = kl.kill
	if err := m.Kill(); err != nil || len(kl.calls) != 0 {
		t.Errorf("Kill on missing cgroup: %v, %v", err, kl.calls)
	}
	if err := m.Destroy(); err != nil {
		t.Errorf("Destroy on missing cgroup: %v", err)
	}
}

func TestV1DestroyRetriesBusy(t *testing.T) {
	f := newV1Fake(t)
	m := f.manager(t, Resources{})
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	busy := 3
	f.rmdirFail = func(path string) error {
		if strings.HasSuffix(path, "memory/mycontainer/abc") && busy > 0 {
			busy--
			return unix.EBUSY
		}
		return nil
	}
	if err := m.Destroy(); err != nil {
		t.Fatal(err)
	}
	if busy != 0 || f.exists("memory/mycontainer/abc") {
		t.Errorf("busy=%d, exists=%v", busy, f.exists("memory/mycontainer/abc"))
	}

	// A cgroup that stays busy is an error after the timeout, and the
	// other hierarchies are still removed.
	if err := m.Create(); err != nil {
		t.Fatal(err)
	}
	f.file("memory/mycontainer/abc/cgroup.procs", "99")
	err := m.Destroy()
	wantErr(t, err, "remove cgroup", "rmdir "+filepath.Join(f.root, "memory/mycontainer/abc"), "device or resource busy", "processes or child cgroups remained")
	if f.exists("pids/mycontainer/abc") {
		t.Error("pids dir not removed")
	}
}

func TestV1OpenFDUnsupported(t *testing.T) {
	f := newV1Fake(t)
	_, err := f.manager(t, Resources{}).OpenFD()
	wantErr(t, err, "CLONE_INTO_CGROUP needs cgroup v2")
}

func grep(lines []string, sub string) []string {
	var out []string
	for _, l := range lines {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return out
}
