package main

import (
	"fmt"
	"os"

	"mycontainer/container"

	"golang.org/x/sys/unix"
)

const networkUsage = `Usage: mycontainer network ls|inspect|prune

The --net bridge network: the myc0 bridge, the leases of running
containers and their published ports (with nftables rule counters).

  ls        the bridge and one line per lease
  inspect   everything as JSON, with each rule's packet and byte counters
  prune     remove what no live container uses: dead runs' leases, stray
            veths and rules; with no lease left, the nftables table, the
            bridge and the ip_forward setting mycontainer made`

// networkCLI runs `network ...` in mycontainer-net, which holds the
// netlink and nftables code this binary does without.
func networkCLI(args []string) (code int, ok bool) {
	verb, i := verbAt(args)
	if verb != "network" {
		return 0, false
	}
	rest := args[i+1:]
	if len(rest) != 1 || (rest[0] != "ls" && rest[0] != "inspect" && rest[0] != "prune") {
		if len(rest) == 1 && (rest[0] == "--help" || rest[0] == "-h") {
			fmt.Println(networkUsage)
			return 0, true
		}
		fmt.Fprintln(os.Stderr, networkUsage)
		return exitRuntime, true
	}
	if os.Geteuid() != 0 {
		return fail(fmt.Errorf("network %s: root is needed (running as uid %d): netlink and nftables need CAP_NET_ADMIN", rest[0], os.Geteuid())), true
	}
	h, err := container.NetHelper()
	if err != nil {
		return fail(err), true
	}
	err = unix.Exec(h, []string{"mycontainer-net", rest[0]}, os.Environ())
	return fail(fmt.Errorf("exec %s: %w", h, err)), true
}
