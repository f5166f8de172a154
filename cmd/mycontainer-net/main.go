// mycontainer-net is the network helper of `run --net bridge` and the
// `network` commands: it carries the netlink and nftables libraries, so
// the runtime's own binary (which every container start runs twice)
// pays no package init for them. The runtime leases, wires and tears
// down each container itself (netrun) and runs this only for the cold
// work and for -p's rules, with the lock held and passed on as fd 3:
//
//	mycontainer-net locked prepare [--bridge]
//	mycontainer-net locked publish IP SPEC...
//	mycontainer-net locked unpublish IP
//	mycontainer-net ls | inspect | prune
package main

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"os/signal"
	"strings"
	"text/tabwriter"

	"mycontainer/netconf"
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
	if len(args) == 0 {
		return fmt.Errorf("locked: want prepare, publish or unpublish")
	}
	switch {
	case args[0] == "prepare" && len(args) <= 2:
		return network.Prepare(len(args) == 2 && args[1] == "--bridge")
	case args[0] == "publish" && len(args) >= 3:
		ip, err := netip.ParseAddr(args[1])
		if err != nil {
			return err
		}
		var ps []netconf.Publish
		for _, a := range args[2:] {
			p, err := netconf.ParsePublish(a)
			if err != nil {
				return err
			}
			ps = append(ps, p)
		}
		return network.Publish(ip, ps)
	case args[0] == "unpublish" && len(args) == 2:
		ip, err := netip.ParseAddr(args[1])
		if err != nil {
			return err
		}
		return network.Unpublish(ip)
	}
	return fmt.Errorf("locked %q: want prepare [--bridge], publish IP SPEC... or unpublish IP", args)
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
