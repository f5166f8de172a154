// Package netrun is what every `run --net bridge` does for its container
// in the runtime's own process: the lease (under the network's file
// lock), the checks that the bridge and the table are ready, the veth
// pair and eth0's address and route, the DNS files, and the teardown;
// and the reclaim of dead runs' leases that have no rules. It builds its
// netlink requests with the library's message layer (netlink/nl) only:
// the runtime's binary links this package, and the high-level netlink
// and nftables packages would cost every start (README, Networking).
// Making the bridge and the table, and every rule change, is package
// network's, in mycontainer-net, reached through Helper.
package netrun
