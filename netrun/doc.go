// Package netrun is what every `run --net bridge` does for its container
// in the runtime's own process: the lease (under the network's file
// lock), the checks that the bridge and the table are ready, the veth
// pair and eth0's address and route, the -p rules, the DNS files, the
// teardown, and the reclaim of dead runs' leases. It frames its netlink
// requests itself (nlmsg.go): the runtime's binary links this package,
// and the netlink and nftables libraries, even their message layer,
// would cost every start, bridge or not (README, Networking). Making the
// bridge and the table is package network's, in mycontainer-net,
// reached through Helper.
package netrun
