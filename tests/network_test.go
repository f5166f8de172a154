package tests

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// Two containers on the bridge reach each other by address, and a
// container reaches the "outside" namespace through NAT: the server there
// sees the host's address, not the container's.
func TestNetBridgeReachAndNAT(t *testing.T) {
	netTest(t)
	o := newOutside(t)
	logf := filepath.Join(t.TempDir(), "outside.log")
	lf, err := os.Create(logf)
	if err != nil {
		t.Fatal(err)
	}
	srv := o.exec(filepath.Join(rootfs, "bin/busybox"), "httpd", "-f", "-vv", "-p", "8000", "-h", webRoot(t, "outside-page\n"))
	srv.Stdout, srv.Stderr = lf, lf
	if err := srv.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Process.Kill(); srv.Wait(); lf.Close() })

	a := startBg(t, "run", "--rootfs", rootfs, "--net", "bridge", "-v", webRoot(t, "page-of-a\n")+":/www:ro",
		"--", "httpd", "-f", "-vv", "-p", "8080", "-h", "/www")
	ipA, _ := a.lease(t)
	r := run(t, append(append([]string{"run", "--rootfs", rootfs, "--net", "bridge"}, toolMount()...), "--", "sh", "-c",
		fmt.Sprintf("for i in 1 2 3 4 5 6 7 8 9 10; do %[1]s get http://%[2]s:8080/ && break; sleep 0.2; done; %[1]s get http://%[3]s:8000/", tool, ipA, o.ip))...)
	if r.code != 0 || !strings.Contains(r.stdout, "page-of-a") || !strings.Contains(r.stdout, "outside-page") {
		t.Fatalf("container to container and to the outside: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	log, _ := os.ReadFile(logf)
	if !strings.Contains(string(log), o.hostIP) || strings.Contains(string(log), "10.88.") {
		t.Errorf("the outside server should see the host's address %s (masquerade), it logged:\n%s", o.hostIP, log)
	}
}

// -p 18080:8080: reachable from 127.0.0.1, from the host's bridge
// address, from the outside namespace (the container sees the client's
// own address: no proxy), and from another container (hairpin); UDP too;
// a second container asking for the same host port fails before its
// command runs, and the first keeps answering.
func TestNetBridgePublish(t *testing.T) {
	netTest(t)
	// The table made anew, by this build: an earlier one's rules would
	// pass the runtime's check (their tags and count) whatever they are.
	if r := run(t, "network", "prune"); r.code != 0 {
		t.Fatalf("network prune: exit %d: %s", r.code, r.stderr)
	}
	o := newOutside(t)
	a := startBg(t, append(append([]string{"run", "--rootfs", rootfs, "--net", "bridge", "-p", "18080:8080", "-p", "15353:5353/udp",
		"-v", webRoot(t, "published\n") + ":/www:ro"}, toolMount()...),
		"--", "sh", "-c", tool+" udp-serve 5353 & exec httpd -f -vv -p 8080 -h /www")...)
	a.lease(t)
	gw := inspectNet(t).Gateway
	if out := waitGet(t, nil, "http://127.0.0.1:18080/"); out != "published\n" {
		t.Errorf("from 127.0.0.1: %q", out)
	}
	if out := waitGet(t, nil, "http://"+gw+":18080/"); out != "published\n" {
		t.Errorf("from the bridge address %s: %q", gw, out)
	}
	if out := waitGet(t, []string{"ip", "netns", "exec", o.ns}, "http://"+o.hostIP+":18080/"); out != "published\n" {
		t.Errorf("from the outside namespace: %q", out)
	}
	waitFor(t, "the container's httpd to log the outside client", func() bool {
		return strings.Contains(a.output(), o.ip)
	})
	before := len(a.output())
	r := run(t, append(append([]string{"run", "--rootfs", rootfs, "--net", "bridge"}, toolMount()...), "--", "sh", "-c", tool+" get http://"+gw+":18080/")...)
	if r.code != 0 || r.stdout != "published\n" {
		t.Errorf("hairpin from a second container: exit %d: %q %s", r.code, r.stdout, r.stderr)
	}
	// Hairpin is masqueraded: without it the reply would go straight from
	// container to container (bridged), past the NAT that must undo the
	// DNAT; with br_netfilter loaded that happens to work, so check the
	// source the server saw.
	waitFor(t, "the server to log the hairpin request", func() bool { return strings.Contains(a.output()[before:], "url:/") })
	if got := a.output()[before:]; !strings.Contains(got, "[::ffff:"+gw+"]") {
		t.Errorf("the hairpin request should reach the server from the bridge address %s, it logged:\n%s", gw, got)
	}

	// UDP, from the host.
	var reply string
	waitFor(t, "a UDP answer through 127.0.0.1:15353", func() bool {
		c, err := net.Dial("udp4", "127.0.0.1:15353")
		if err != nil {
			return false
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(200 * time.Millisecond))
		if _, err := c.Write([]byte("ping")); err != nil {
			return false
		}
		b := make([]byte, 200)
		n, err := c.Read(b)
		reply = string(b[:n])
		return err == nil
	})
	if !strings.HasSuffix(reply, ": ping") {
		t.Errorf("UDP answer %q", reply)
	}

	// Port conflicts: with a container's -p, and with a host listener.
	l, err := net.Listen("tcp4", "127.0.0.1:18090")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	mark := t.TempDir()
	for _, p := range []string{"18080:9999", "127.0.0.1:18080:80", "15353:1/udp", "18090:80"} {
		r := run(t, "run", "--rootfs", rootfs, "--net", "bridge", "-p", p, "-v", mark+":/mark", "--", "touch", "/mark/ran")
		if r.code != 125 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || !strings.Contains(r.stderr, "already") {
			t.Errorf("-p %s taken: exit %d, stderr %q; want 125 and one line saying it is taken", p, r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(mark, "ran")); err == nil {
			t.Fatalf("-p %s: the command ran despite the port conflict", p)
		}
	}
	if out, err := get(nil, "http://127.0.0.1:18080/"); err != nil || out != "published\n" {
		t.Errorf("the first container after the conflicts: %q %v", out, err)
	}
}

// resolv.conf, hosts and hostname inside; the rootfs's own files are
// unchanged, and a rootfs without them does not get them created.
func TestNetBridgeFiles(t *testing.T) {
	netTest(t)
	root := privateRootfs(t)
	orig := map[string]string{"etc/hosts": "orig hosts\n", "etc/hostname": "orig-name\n", "etc/resolv.conf": "nameserver 127.0.0.53\n"}
	for f, c := range orig {
		if err := os.WriteFile(filepath.Join(root, f), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	r := run(t, "run", "--rootfs", root, "--net", "bridge", "--hostname", "box", "--dns", "192.0.2.53", "--dns", "192.0.2.54",
		"--", "sh", "-c", "cat /etc/resolv.conf; echo ==; cat /etc/hosts; echo ==; cat /etc/hostname; echo ==; hostname; ip -4 -o addr show eth0")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	parts := strings.Split(r.stdout, "==\n")
	if len(parts) != 4 {
		t.Fatalf("output: %s", r.stdout)
	}
	ip := regexp.MustCompile(`inet (10\.[0-9.]+)/`).FindStringSubmatch(parts[3])
	if ip == nil {
		t.Fatalf("no address on eth0: %s", parts[3])
	}
	if !strings.Contains(parts[0], "nameserver 192.0.2.53\nnameserver 192.0.2.54\n") || strings.Contains(parts[0], "127.0.0.53") {
		t.Errorf("resolv.conf:\n%s", parts[0])
	}
	if !strings.Contains(parts[1], "127.0.0.1\tlocalhost") || !strings.Contains(parts[1], ip[1]+"\tbox") {
		t.Errorf("hosts (address %s):\n%s", ip[1], parts[1])
	}
	if parts[2] != "box\n" || !strings.HasPrefix(parts[3], "box\n") {
		t.Errorf("hostname file %q, hostname %q", parts[2], parts[3])
	}
	for f, c := range orig {
		if b, _ := os.ReadFile(filepath.Join(root, f)); string(b) != c {
			t.Errorf("the rootfs's %s changed on disk: %q", f, b)
		}
	}
	bare := minimalRootfs(t)
	if r := run(t, "run", "--rootfs", bare, "--net", "bridge", "--", "true"); r.code != 0 {
		t.Fatalf("rootfs without /etc: exit %d: %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(bare, "etc")); err == nil {
		t.Errorf("a rootfs without /etc got one created on disk")
	}
}

// The runtime SIGKILLed once its container is wired: the container dies
// (it is tied to the runtime), its veth goes with its namespace, but its
// lease and DNAT rules stay, the stale rules that would hide the next
// container's port. The next run reclaims both, and a new container on
// the same port gets the traffic.
func TestNetBridgeKilledRuntime(t *testing.T) {
	netTest(t)
	a := startBg(t, "run", "--rootfs", rootfs, "--net", "bridge", "-p", "18081:8080",
		"-v", webRoot(t, "first\n")+":/www:ro", "--", "httpd", "-f", "-p", "8080", "-h", "/www")
	ipA, holder := a.lease(t)
	if out := waitGet(t, nil, "http://127.0.0.1:18081/"); out != "first\n" {
		t.Fatalf("first: %q", out)
	}
	if err := killPID(holder); err != nil {
		t.Fatal(err)
	}
	a.kill()
	stale := inspectNet(t)
	if len(stale.Leases) != 1 || stale.Leases[0].IP != ipA || stale.Leases[0].Alive || len(stale.containerRules()) != 2 {
		t.Fatalf("after the SIGKILLs, want the dead lease %s and its two rules left for the next run, got %+v", ipA, stale)
	}
	b := startBg(t, "run", "--rootfs", rootfs, "--net", "bridge", "-p", "18081:8080",
		"-v", webRoot(t, "second\n")+":/www:ro", "--", "httpd", "-f", "-p", "8080", "-h", "/www")
	b.lease(t)
	if out := waitGet(t, nil, "http://127.0.0.1:18081/"); out != "second\n" {
		t.Errorf("the new container on the same port: %q", out)
	}
	st := inspectNet(t)
	if len(st.Leases) != 1 || !st.Leases[0].Alive || len(st.containerRules()) != 2 {
		t.Errorf("want only the new lease and its two rules, got %+v", st)
	}
}

// The runtime SIGKILLed after wiring: nothing of its own cleans up (the
// runtime holds the network itself), but the veth dies with the
// container's namespace, and the next run, with no -p of its own,
// reclaims the lease and its two rules (through mycontainer-net).
func TestNetBridgeKilledRuntimeNextRunReclaims(t *testing.T) {
	netTest(t)
	a := startBg(t, "run", "--rootfs", rootfs, "--net", "bridge", "-p", "18082:8080", "--", "sleep", "1000")
	ip, _ := a.lease(t)
	// The veth comes before the -p rules: on the slow v2 VM a kill right
	// after the veth appeared landed between the two.
	waitFor(t, "the container's -p rules", func() bool { return len(inspectNet(t).containerRules()) == 2 })
	a.kill()
	waitFor(t, "the veth to die with the container's namespace", func() bool {
		return len(inspectNet(t).Veths) == 0
	})
	if st := inspectNet(t); len(st.Leases) != 1 || st.Leases[0].IP != ip || st.Leases[0].Alive || len(st.containerRules()) != 2 {
		t.Fatalf("after the SIGKILL, want the dead lease %s and its two rules, got %+v", ip, st)
	}
	nextRunReclaims(t, ip)
}

// nextRunReclaims runs a --net bridge container after a killed run whose
// lease was ip: it must leave no lease or rule, and the dead run's files
// must be gone.
func nextRunReclaims(t *testing.T, ip string) {
	t.Helper()
	if r := run(t, "run", "--rootfs", rootfs, "--net", "bridge", "--", "true"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	// Its own veth dies with its namespace after it returns (netTest's
	// clean-up waits for that).
	if st := inspectNet(t); len(st.Leases)+len(st.containerRules()) != 0 {
		t.Errorf("the next run left %+v", st)
	}
	if _, err := os.Stat("/run/mycontainer/net/files/" + ip); err == nil {
		t.Errorf("the dead run's files directory is left")
	}
}

// The runtime SIGKILLed between its lease and the wiring: the test takes
// the network lock as soon as the lease is stored, so the runtime blocks
// in the wiring step (which takes it too). A lease without -p: the next
// run reclaims it by itself, without mycontainer-net.
func TestNetBridgeKilledBeforeWiring(t *testing.T) {
	netTest(t)
	for try := 0; ; try++ {
		if try == 20 {
			t.Fatalf("never caught the runtime between its lease and its wiring")
		}
		a := startBg(t, "run", "--rootfs", rootfs, "--net", "bridge", "--", "sleep", "1000")
		ip := waitLeaseFile(t, a.cmd.Process.Pid)
		unlock := lockNet(t)
		if _, err := os.Stat("/sys/class/net/" + vethOf(ip)); err == nil {
			unlock() // wired already: try again
			a.stop()
			continue
		}
		a.kill()
		unlock()
		st := inspectNet(t)
		if len(st.Leases) != 1 || st.Leases[0].Alive || len(st.Veths) != 0 {
			t.Fatalf("killed before wiring: want one dead lease and no veth, got %+v", st)
		}
		nextRunReclaims(t, ip)
		return
	}
}

// 20 containers started at once get 20 different addresses.
func TestNetBridgeTwenty(t *testing.T) {
	netTest(t)
	const n = 20
	addrs := make([]string, n)
	// Each container waits until all n are up, so the n leases are held
	// at the same time (an address freed early could be handed out again).
	shared := t.TempDir()
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := run(t, "run", "--rootfs", rootfs, "--net", "bridge", "-v", shared+":/shared", "--", "sh", "-c",
				fmt.Sprintf("ip -4 -o addr show eth0; touch /shared/%d; while [ $(ls /shared | wc -l) -lt %d ]; do sleep 0.1; done", i, n))
			if m := regexp.MustCompile(`inet ([0-9.]+)/`).FindStringSubmatch(r.stdout); r.code == 0 && m != nil {
				addrs[i] = m[1]
			} else {
				t.Errorf("container %d: exit %d: %s %s", i, r.code, r.stdout, r.stderr)
			}
		}()
	}
	wg.Wait()
	sort.Strings(addrs)
	for i := 1; i < n; i++ {
		if addrs[i] == addrs[i-1] {
			t.Errorf("address %s given twice: %v", addrs[i], addrs)
		}
	}
}

// Bad network input: one line, exit 125, nothing created.
func TestNetBadInput(t *testing.T) {
	netTest(t)
	// No bridge to begin with (unless a container outside the suite
	// uses it): a bad -p must not make one.
	run(t, "network", "prune")
	_, bridgeErr := os.Stat("/sys/class/net/myc0")
	for _, args := range [][]string{
		{"--net", "bridge", "-p", "8080"},
		{"--net", "bridge", "-p", "70000:80"},
		{"--net", "bridge", "-p", "0:80"},
		{"--net", "bridge", "-p", "80:80/sctp"},
		{"--net", "bridge", "-p", "80:80", "-p", "80:81"},
		{"--net", "bridged"},
		{"--net", "ns:relative"},
		{"--net", "bridge", "--dns", "dns.example"},
		{"--net", "host", "-p", "80:80"},
		// A HOSTIP that is no address of the host's (TEST-NET-1: only
		// a bind is tried, nothing is sent).
		{"--net", "bridge", "-p", "192.0.2.1:18097:80"},
	} {
		r := run(t, append(append([]string{"run", "--rootfs", rootfs}, args...), "--", "true")...)
		if r.code != 125 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 || r.stderr == "" {
			t.Errorf("%v: exit %d, stderr %q; want 125 and one line", args, r.code, r.stderr)
		}
		if slices.Contains(args, "192.0.2.1:18097:80") && !strings.Contains(r.stderr, "-p 192.0.2.1:18097:80/tcp: 192.0.2.1 is not an address of this host") {
			t.Errorf("%v: stderr %q; want it to name the flag and say the address is not the host's", args, r.stderr)
		}
	}
	if _, err := os.Stat("/sys/class/net/myc0"); (err == nil) != (bridgeErr == nil) {
		t.Errorf("bad input changed whether the bridge exists")
	}
	if st := inspectNet(t); len(st.Leases)+len(st.Veths) != 0 {
		t.Errorf("bad input left %+v", st)
	}
}

// --net ns:PATH joins an existing namespace.
func TestNetJoinNamespace(t *testing.T) {
	needIPRoute2(t)
	ns := fmt.Sprintf("myctest-join-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", ns).CombinedOutput(); err != nil {
		t.Fatalf("ip netns add: %v: %s", err, out)
	}
	defer exec.Command("ip", "netns", "del", ns).Run()
	if out, err := exec.Command("ip", "-n", ns, "link", "add", "myctest-j0", "type", "veth", "peer", "name", "myctest-j1").CombinedOutput(); err != nil {
		t.Fatalf("ip link add: %v: %s", err, out)
	}
	r := run(t, "run", "--rootfs", rootfs, "--net", "ns:/run/netns/"+ns, "--", "ip", "-o", "link")
	if r.code != 0 || !strings.Contains(r.stdout, "myctest-j0") {
		t.Errorf("exit %d: %s %s", r.code, r.stdout, r.stderr)
	}
}

func killPID(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	if err := p.Kill(); err != nil {
		return err
	}
	for i := 0; i < 500; i++ {
		if _, err := os.Stat(fmt.Sprintf("/proc/%d", pid)); err != nil {
			return nil
		}
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if strings.Contains(string(b), ") Z ") {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
	return fmt.Errorf("pid %d did not die", pid)
}

// mycontainer-net's `locked` steps run only under the caller's network
// lock, inherited as fd 3: without it, with another file there, or with
// the lock held by someone else, it refuses and changes nothing.
func TestNetHelperNeedsTheLock(t *testing.T) {
	netTest(t)
	run(t, "network", "prune") // no bridge: a step that ran would make one
	other, err := os.CreateTemp(t.TempDir(), "notthelock")
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	unlock := lockNet(t) // held through another open file
	defer unlock()
	lockFile, err := os.OpenFile("/run/mycontainer/net/lock", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer lockFile.Close()
	for _, c := range []struct {
		name string
		fd3  *os.File
	}{{"no fd 3", nil}, {"another file as fd 3", other}, {"the lock, held by another", lockFile}} {
		cmd := exec.Command(binary+"-net", "locked", "prepare")
		if c.fd3 != nil {
			cmd.ExtraFiles = []*os.File{c.fd3}
		}
		out, err := cmd.CombinedOutput()
		code := -1
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if code != 125 || !strings.Contains(string(out), "lock") {
			t.Errorf("%s: exit %d (%v), %q; want 125 and a word about the lock", c.name, code, err, out)
		}
		if _, err := os.Stat("/sys/class/net/myc0"); err == nil {
			t.Fatalf("%s: the step ran: the bridge was made", c.name)
		}
	}
}
