// Package netconf reads the friendly `run`'s network flags (--net, -p,
// --dns) into checked values. It is a leaf: the runtime's binary and the
// network helper (cmd/mycontainer-net) both parse with it, so a flag the
// runtime accepted is one the helper understands, and neither carries
// the other's dependencies (the runtime links no netlink or nftables code:
// their package init would cost every start, bridge or not).
package netconf
