package network

import (
	"errors"
	"fmt"
	"net"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
)

// attach wires the container whose init is pid: a veth pair whose
// container end is born in init's network namespace as eth0 (no window in
// which it sits in the host's under another name), the host end on the
// bridge, and eth0's address and default route. init brought lo up.
func attach(pid int, l *Lease, b *Bridge) error {
	la := netlink.NewLinkAttrs()
	la.Name = l.Veth
	la.MasterIndex = b.link.Attrs().Index
	veth := &netlink.Veth{LinkAttrs: la, PeerName: "eth0", PeerNamespace: netlink.NsPid(pid)}
	if err := netlink.LinkAdd(veth); err != nil {
		return fmt.Errorf("create veth %s to the container (init pid %d): %w", l.Veth, pid, err)
	}
	if err := netlink.LinkSetUp(veth); err != nil {
		return fmt.Errorf("bring veth %s up: %w", l.Veth, err)
	}
	ns, err := netns.GetFromPid(pid)
	if err != nil {
		return fmt.Errorf("open the network namespace of pid %d: %w", pid, err)
	}
	defer ns.Close()
	h, err := netlink.NewHandleAt(ns)
	if err != nil {
		return fmt.Errorf("netlink in the container's namespace: %w", err)
	}
	defer h.Close()
	eth, err := h.LinkByName("eth0")
	if err != nil {
		return fmt.Errorf("find eth0 in the container: %w", err)
	}
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: l.IP.AsSlice(), Mask: net.CIDRMask(b.Subnet.Bits(), 32)}}
	if err := h.AddrAdd(eth, addr); err != nil {
		return fmt.Errorf("give eth0 address %s: %w", addr, err)
	}
	if err := h.LinkSetUp(eth); err != nil {
		return fmt.Errorf("bring eth0 up: %w", err)
	}
	if lo, err := h.LinkByName("lo"); err == nil {
		if err := h.LinkSetUp(lo); err != nil {
			return fmt.Errorf("bring lo up: %w", err)
		}
	}
	gw := b.Gateway().AsSlice()
	if err := h.RouteAdd(&netlink.Route{LinkIndex: eth.Attrs().Index, Gw: gw}); err != nil {
		return fmt.Errorf("add the default route via %s: %w", b.Gateway(), err)
	}
	return nil
}

// removeVeth deletes a host end; its peer goes with it. A missing one is
// fine: the container's namespace died and took the pair along.
func removeVeth(name string) error {
	l, err := netlink.LinkByName(name)
	var nf netlink.LinkNotFoundError
	if errors.As(err, &nf) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("look up veth %s: %w", name, err)
	}
	if err := netlink.LinkDel(l); err != nil {
		return fmt.Errorf("remove veth %s: %w", name, err)
	}
	return nil
}

// Veths lists the host ends of our veth pairs that exist now.
func Veths() ([]string, error) {
	links, err := netlink.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	var out []string
	for _, l := range links {
		if n := l.Attrs().Name; len(n) > len(vethPrefix) && n[:len(vethPrefix)] == vethPrefix {
			out = append(out, n)
		}
	}
	return out, nil
}
