package tests

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// netState is `mycontainer network inspect`.
type netState struct {
	Bridge  string `json:"bridge"`
	Subnet  string `json:"subnet"`
	Gateway string `json:"gateway"`
	Leases  []struct {
		IP      string   `json:"ip"`
		Holder  int      `json:"holder_pid"`
		Runtime int      `json:"runtime_pid"`
		Veth    string   `json:"veth"`
		Publish []string `json:"publish"`
		Alive   bool     `json:"alive"`
	} `json:"leases"`
	Rules []struct {
		Chain   string `json:"chain"`
		Tag     string `json:"tag"`
		Packets uint64 `json:"packets"`
	} `json:"rules"`
	Veths []string `json:"veths"`
}

func inspectNet(t *testing.T) netState {
	t.Helper()
	r := run(t, "network", "inspect")
	if r.code != 0 {
		t.Fatalf("network inspect: exit %d: %s", r.code, r.stderr)
	}
	var st netState
	if err := json.Unmarshal([]byte(r.stdout), &st); err != nil {
		t.Fatalf("network inspect: %v: %s", err, r.stdout)
	}
	return st
}

// containerRules are the rules tagged with a container (not the bridge's).
func (st netState) containerRules() []string {
	var out []string
	for _, r := range st.Rules {
		if !strings.HasPrefix(r.Tag, "mycontainer:bridge") {
			out = append(out, r.Chain+" "+r.Tag)
		}
	}
	return out
}

// netMu keeps the bridge tests one at a time (they share myc0 and host
// ports); the suite's lock keeps other suites away.
var netMu sync.Mutex

// netTest starts a bridge test: at its end, whatever happened, nothing of
// a container may be left (no lease, veth or container rule), and prune
// then removes the bridge, the table and the ip_forward we set.
func netTest(t *testing.T) {
	t.Helper()
	needIPRoute2(t)
	for _, f := range []string{binary + "-net", binary + "-nettool"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("the network tests need %s beside the binary (make test-v2 copies it): %v", f, err)
		}
	}
	netMu.Lock()
	t.Cleanup(func() {
		defer netMu.Unlock()
		var st netState
		// The runtimes tear down as they exit; a killed test's runtimes
		// may still be on their way out.
		for i := 0; i < 200; i++ {
			st = inspectNet(t)
			if len(st.Leases)+len(st.Veths)+len(st.containerRules()) == 0 {
				break
			}
			time.Sleep(25 * time.Millisecond)
		}
		if len(st.Leases)+len(st.Veths)+len(st.containerRules()) != 0 {
			t.Errorf("left behind: leases %v, veths %v, rules %v", st.Leases, st.Veths, st.containerRules())
		}
		if r := run(t, "network", "prune"); r.code != 0 {
			t.Errorf("network prune: exit %d: %s", r.code, r.stderr)
		}
		if _, err := os.Stat("/sys/class/net/myc0"); err == nil {
			t.Errorf("prune left the bridge myc0")
		}
	})
}

// outside is a network namespace of the test's own standing for the
// world: a veth to the host, 10.201.0.1 (host) - 10.201.0.2 (outside).
type outside struct{ ns, hostIP, ip string }

func newOutside(t *testing.T) outside {
	t.Helper()
	o := outside{ns: fmt.Sprintf("myctest-out-%d", os.Getpid()), hostIP: "10.201.0.1", ip: "10.201.0.2"}
	steps := [][]string{
		{"netns", "add", o.ns},
		{"link", "add", "myctest-o0", "type", "veth", "peer", "name", "myctest-o1"},
		{"link", "set", "myctest-o1", "netns", o.ns},
		{"addr", "add", o.hostIP + "/24", "dev", "myctest-o0"},
		{"link", "set", "myctest-o0", "up"},
		{"-n", o.ns, "addr", "add", o.ip + "/24", "dev", "myctest-o1"},
		{"-n", o.ns, "link", "set", "myctest-o1", "up"},
		{"-n", o.ns, "link", "set", "lo", "up"},
	}
	t.Cleanup(func() {
		exec.Command("ip", "link", "del", "myctest-o0").Run()
		exec.Command("ip", "netns", "del", o.ns).Run()
	})
	for _, s := range steps {
		if out, err := exec.Command("ip", s...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v: %s", s, err, out)
		}
	}
	return o
}

// exec runs a command in the outside namespace.
func (o outside) exec(args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", o.ns}, args...)...)
}

// bg is a runtime started in the background, killed and waited for at
// the end of the test.
type bg struct {
	cmd  *exec.Cmd
	out  string // stdout and stderr, in a file
	done chan error
}

func startBg(t *testing.T, args ...string) *bg {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	b := &bg{cmd: exec.Command(binary, args...), out: out, done: make(chan error, 1)}
	b.cmd.Stdout, b.cmd.Stderr = f, f
	if err := b.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { b.done <- b.cmd.Wait() }()
	t.Cleanup(func() { b.stop() })
	return b
}

// stop ends the runtime as a user would: Ctrl-C twice (the second kills
// at once), so it removes its cgroup and network itself.
func (b *bg) stop() {
	for i := 0; i < 2; i++ {
		b.cmd.Process.Signal(syscall.SIGINT)
		select {
		case err := <-b.done:
			b.done <- err
			return
		case <-time.After(200 * time.Millisecond):
		}
	}
	select {
	case err := <-b.done:
		b.done <- err
	case <-time.After(30 * time.Second):
		b.cmd.Process.Kill()
	}
}

// kill SIGKILLs the runtime and waits for it; the next run in the same
// cgroup parent sweeps the cgroup it leaves.
func (b *bg) kill() {
	b.cmd.Process.Kill()
	err := <-b.done
	b.done <- err
}

func (b *bg) output() string {
	o, _ := os.ReadFile(b.out)
	return string(o)
}

// lease waits for the lease of b's runtime and for its container to be
// wired (a rule or a veth of its own exists).
func (b *bg) lease(t *testing.T) (ip string, holder int) {
	t.Helper()
	waitFor(t, "the container's lease", func() bool {
		for _, l := range inspectNet(t).Leases {
			if l.Runtime == b.cmd.Process.Pid {
				if _, err := os.Stat("/sys/class/net/" + l.Veth); err == nil {
					ip, holder = l.IP, l.Holder
					return true
				}
			}
		}
		select {
		case err := <-b.done:
			b.done <- err
			t.Fatalf("runtime ended before its network was up: %v: %s", err, b.output())
		default:
		}
		return false
	})
	return ip, holder
}

// get fetches url with nettool run on the host, or with pre before it
// (ip netns exec NS).
func get(pre []string, url string) (string, error) {
	args := append(pre, binary+"-nettool", "get", url)
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	return string(out), err
}

// waitGet retries get until it answers (the server in the container may
// still be starting).
func waitGet(t *testing.T, pre []string, url string) string {
	t.Helper()
	var out string
	var err error
	// A deadline, not a count: a GET that fails slowly (no route to
	// host after seconds) would make a count of tries last minutes.
	for start := time.Now(); time.Since(start) < 15*time.Second; {
		if out, err = get(pre, url); err == nil {
			return out
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("GET %s: %v: %s", url, err, out)
	return ""
}

// webRoot is a directory with index.html for busybox httpd.
func webRoot(t *testing.T, body string) string {
	t.Helper()
	d := t.TempDir()
	if err := os.WriteFile(filepath.Join(d, "index.html"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return d
}

// toolMount puts nettool at /tmp/bin/nettool in a container (/tmp is the
// container's tmpfs: the rootfs on disk is not touched).
func toolMount() []string { return []string{"-v", filepath.Dir(binary) + ":/tmp/bin:ro"} }

// tool is nettool's path inside a container.
var tool = "/tmp/bin/mycontainer-nettool"

// needIPRoute2 skips a network test where iproute2's ip is missing: the
// tests build their "outside" world with `ip netns` and veth pairs.
// busybox's ip has no netns; the cgroup v2 VM of `make test-v2` gets the
// host's iproute2 through tests/vm/iproute2.sh.
func needIPRoute2(t *testing.T) {
	t.Helper()
	out, err := exec.Command("ip", "-V").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "iproute2") {
		t.Skipf("needs iproute2's ip (ip netns): `ip -V`: %v %q", err, strings.TrimSpace(string(out)))
	}
}

// waitLeaseFile polls the lease directory (cheaper than inspect, so the
// test sees the lease soon after it is stored) for runtime pid's lease.
func waitLeaseFile(t *testing.T, pid int) (ip string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ents, _ := os.ReadDir("/run/mycontainer/net/leases")
		for _, e := range ents {
			b, err := os.ReadFile("/run/mycontainer/net/leases/" + e.Name())
			var l struct {
				Runtime int `json:"runtime_pid"`
			}
			if err == nil && json.Unmarshal(b, &l) == nil && l.Runtime == pid {
				return e.Name()
			}
		}
		time.Sleep(time.Millisecond)
	}
	t.Fatalf("no lease of run %d", pid)
	return ""
}

// lockNet takes the network's lock, as a run does.
func lockNet(t *testing.T) (unlock func()) {
	t.Helper()
	f, err := os.OpenFile("/run/mycontainer/net/lock", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	return func() { f.Close() }
}

// vethOf is the host end's name of the container at ip (netrun.VethName).
func vethOf(ip string) string {
	var a, b, c, d int
	fmt.Sscanf(ip, "%d.%d.%d.%d", &a, &b, &c, &d)
	return fmt.Sprintf("myc-%02x%02x", c, d)
}
