package tests

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// A run leaves its veth to the death of its container's network
// namespace. A namespace kept alive after the run (here by a bind mount of
// its ns file, `ip netns attach`; an fd of it or a process that entered
// it does the same) keeps eth0 on the bridge with its address. The
// address is free again, but the run that leases it next must first
// delete that veth, cutting the stale holder off: never two interfaces
// with one address on the bridge. (Without the check, the new run cannot
// even make its veth: the host end's name is taken.)
func TestNetBridgeReleasedAddressHeldElsewhere(t *testing.T) {
	netTest(t)
	a := startBg(t, "run", "--rootfs", rootfs, "--net", "bridge", "--", "sleep", "1000")
	ipA, runtime := a.lease(t)
	ns := fmt.Sprintf("myctest-held-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "attach", ns, fmt.Sprint(containerInit(t, runtime))).CombinedOutput(); err != nil {
		t.Fatalf("ip netns attach: %v: %s", err, out)
	}
	// Deleted last: the namespace dies, and its veth with it.
	defer exec.Command("ip", "netns", "del", ns).Run()
	a.stop()
	if held := addrsIn(t, ns); !strings.Contains(held, " "+ipA+"/") {
		t.Fatalf("the held namespace lost %s when its run ended (%q): the test needs it kept", ipA, held)
	}
	for i := 0; ; i++ {
		if i == 40 {
			t.Fatalf("no run was given %s again in %d runs", ipA, i)
		}
		r := run(t, "run", "--rootfs", rootfs, "--net", "bridge", "--", "ip", "-o", "-4", "addr", "show", "eth0")
		if r.code != 0 {
			t.Fatalf("run %d: exit %d: %s", i, r.code, r.stderr)
		}
		if !strings.Contains(r.stdout, " "+ipA+"/") {
			// Another address: the allocator passed the recently released
			// one over. Try again until it is handed out.
			time.Sleep(250 * time.Millisecond)
			continue
		}
		if held := addrsIn(t, ns); strings.Contains(held, "eth0") {
			t.Fatalf("%s was leased again, and the held namespace still has its eth0: %q", ipA, held)
		}
		return
	}
}

// addrsIn lists the IPv4 addresses of the named network namespace.
func addrsIn(t *testing.T, ns string) string {
	t.Helper()
	out, err := exec.Command("ip", "-n", ns, "-o", "-4", "addr").CombinedOutput()
	if err != nil {
		t.Fatalf("ip addr in the held namespace: %v: %s", err, out)
	}
	return string(out)
}
