// Package netconf reads the friendly `run`'s network flags (--net, -p,
// --dns) into checked values. It is a leaf: the runtime and the network
// helper (cmd/mycontainer-net) both parse with it, so a flag the runtime
// accepted is one the helper understands.
package netconf
