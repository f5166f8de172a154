// Package network is `--net bridge`: the myc0 bridge, one veth pair and
// one leased address per container, and every NAT rule in one nftables
// table of our own. Only cmd/mycontainer-net links it (see netconf's doc
// for why the runtime's binary does not).
//
// Ownership: each lease names the process that holds it (the helper's
// keeper, a child of the runtime, by PID and start time). The keeper tears
// its container's network down when the runtime closes its pipe, which
// also happens when the runtime is SIGKILLed; a lease whose holder is dead
// anyway (both were killed) is reclaimed by the next run, under the same
// lock, with its veth and rules.
package network
