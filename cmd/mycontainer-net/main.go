// mycontainer-net is the network helper of `run --net bridge` and the
// `network` commands: it carries the netlink and nftables libraries, so
// the runtime's own binary (which every container start runs twice)
// pays no package init for them. The runtime leases, wires and tears
// down each container itself (netrun) and runs this only for the cold
// work of making the bridge and the table, with the lock held and
// passed on as fd 3:
//
//	mycontainer-net locked prepare
//	mycontainer-net ls | inspect | prune
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"mycontainer/netrun"
	"mycontainer/network"

	"golang.org/x/sys/unix"
)

const exitRuntime = 125

func main() {
	if len(os.Args) < 2 {
		fail(fmt.Errorf("usage: mycontainer-net keep|ls|inspect|prune"))
	}
	var err error
	switch os.Args[1] {
	case "locked":
		err = underLock(os.Args[2:])
	case "ls":
		err = ls()
	case "inspect":
		err = inspect()
	case "prune":
		var removed []string
		removed, err = network.Prune()
		for _, r := range removed {
			fmt.Println("removed", r)
		}
	default:
		err = fmt.Errorf("network %q: want ls, inspect or prune", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "mycontainer: network: %s\n", strings.ReplaceAll(err.Error(), "\n", "; "))
	os.Exit(exitRuntime)
}

// lockFD is where the runtime passes its lock.
const lockFD = 3

// underLock does one step of the runtime's, under the runtime's lock.
// The terminal's signals are the runtime's to act on: a Ctrl-C must not
// stop a change half-way (each is one netlink batch, or a few requests
// that reclaim finishes if interrupted).
func underLock(args []string) error {
	signal.Ignore(unix.SIGINT, unix.SIGHUP, unix.SIGQUIT, unix.SIGTERM)
	if err := netrun.CheckHeldLock(lockFD); err != nil {
		return err
	}
	if len(args) != 1 || args[0] != "prepare" {
		return fmt.Errorf("locked %q: want prepare", args)
	}
	return network.Prepare()
}

func ls() error {
	st, err := network.Inspect()
	if err != nil {
		return err
	}
	if st.Bridge == "" {
		fmt.Println("no bridge: no container has used --net bridge since boot (or prune removed it)")
	} else {
		fmt.Printf("bridge %s %s (host %s)\n", st.Bridge, st.Subnet, st.Gateway)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "ADDRESS\tHOSTNAME\tRUN PID\tVETH\tPORTS\tSTATE")
	for _, l := range st.Leases {
		state := "running"
		if !l.Alive {
			state = "dead (next run or prune reclaims it)"
		}
		fmt.Fprintf(w, "%s\t%s\t%d\t%s\t%s\t%s\n", l.IP, l.Hostname, l.Runtime, l.Veth, strings.Join(l.Publish, ","), state)
	}
	return w.Flush()
}

func inspect() error {
	st, err := network.Inspect()
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}
