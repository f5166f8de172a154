// mycontainer-net is the network helper of `run --net bridge` and the
// `network` commands: it carries the netlink and nftables code, so the
// runtime's own binary (which every container start runs twice) pays
// no package init for it.
//
//	mycontainer-net keep --runtime PID --hostname H [--dns IP]... [-p SPEC]...
//	mycontainer-net ls | inspect | prune
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"text/tabwriter"

	"mycontainer/netconf"
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
	case "keep":
		if err := keep(os.Args[2:]); err != nil {
			// The runtime got the error on the pipe and reports it.
			os.Exit(exitRuntime)
		}
		return
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

// keep is the runtime's side process for one container (network.Keep).
// The terminal's signals are the runtime's to act on: the keeper ends
// only when its pipe closes. SIGPIPE too: the keeper answers on its
// stdout, and a runtime SIGKILLed while the keeper wires the container
// leaves that pipe without a reader; Go kills a process that writes to
// such a stdout unless SIGPIPE is ignored, and the keeper would die with
// the container's rules in place instead of tearing them down (seen as a
// flake of TestNetBridgeKilledRuntimeKeeperCleans). Ignored, the write
// fails with EPIPE and the teardown runs.
func keep(args []string) error {
	signal.Ignore(unix.SIGINT, unix.SIGHUP, unix.SIGQUIT, unix.SIGTERM, unix.SIGPIPE)
	o := network.KeepOptions{In: os.Stdin, Out: os.Stdout}
	if err := keepOptions(args, &o); err != nil {
		fmt.Printf("error %s\n", err)
		return err
	}
	return network.Keep(o)
}

func keepOptions(args []string, o *network.KeepOptions) error {
	for i := 0; i+1 < len(args); i += 2 {
		v := args[i+1]
		switch args[i] {
		case "--runtime":
			o.Runtime, _ = strconv.Atoi(v)
		case "--hostname":
			o.Hostname = v
		case "--dns":
			a, err := netconf.ParseDNS(v)
			if err != nil {
				return err
			}
			o.DNS = append(o.DNS, a)
		case "-p":
			p, err := netconf.ParsePublish(v)
			if err != nil {
				return err
			}
			o.Publish = append(o.Publish, p)
		default:
			return fmt.Errorf("keep: unknown option %q", args[i])
		}
	}
	return nil
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
