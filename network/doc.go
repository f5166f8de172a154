// Package network is the part of `--net bridge` that needs the netlink
// and nftables libraries: making the myc0 bridge, its kernel settings and
// the nftables table of our own; adding and removing a container's DNAT
// rules; reclaiming dead runs' leases with their rules; and the `network`
// commands. Only cmd/mycontainer-net links it: the runtime does each
// container's lease, veth and teardown itself (package netrun), and runs
// mycontainer-net, with its lock, for the rest.
package network
