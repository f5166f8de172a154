package network

import (
	"fmt"
	"mycontainer/netrun"
	"net"
	"net/netip"
	"os"
	"strings"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// candidates are the private /16s the bridge may take, first free first.
var candidates = []string{"10.88.0.0/16", "10.89.0.0/16", "10.90.0.0/16", "10.91.0.0/16",
	"172.30.0.0/16", "172.31.0.0/16", "192.168.240.0/20"}

// ensureBridge finds or makes the bridge, up, with the host's address,
// and the kernel settings it needs.
func ensureBridge() (*netrun.Bridge, error) {
	b, err := netrun.FindBridge()
	if err != nil {
		return nil, err
	}
	if b == nil {
		if b, err = makeBridge(); err != nil {
			return nil, err
		}
	}
	// route_localnet: a connection to 127.0.0.1:HOSTPORT, DNATed to a
	// container, leaves through the bridge with a 127.0.0.1 source, which
	// the kernel otherwise drops as a martian (then the postrouting chain
	// masquerades it to the bridge's address).
	if err := sysctlOn("net/ipv4/conf/" + netrun.BridgeName + "/route_localnet"); err != nil {
		return nil, err
	}
	if err := enableForwarding(); err != nil {
		return nil, err
	}
	return b, nil
}

func makeBridge() (*netrun.Bridge, error) {
	h, err := route()
	if err != nil {
		return nil, err
	}
	subnet, err := freeSubnet(h)
	if err != nil {
		return nil, err
	}
	la := netlink.NewLinkAttrs()
	la.Name = netrun.BridgeName
	br := &netlink.Bridge{LinkAttrs: la}
	if err := h.LinkAdd(br); err != nil {
		return nil, fmt.Errorf("create bridge %s: %w", netrun.BridgeName, err)
	}
	b := &netrun.Bridge{Subnet: subnet, Index: br.Attrs().Index}
	gw := b.Gateway().AsSlice()
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: gw, Mask: net.CIDRMask(subnet.Bits(), 32)}}
	if err := h.AddrAdd(br, addr); err != nil {
		h.LinkDel(br)
		return nil, fmt.Errorf("give bridge %s address %s: %w", netrun.BridgeName, addr, err)
	}
	if err := h.LinkSetUp(br); err != nil {
		h.LinkDel(br)
		return nil, fmt.Errorf("bring bridge %s up: %w", netrun.BridgeName, err)
	}
	return b, nil
}

// freeSubnet is the first candidate that no route of the host's covers
// or falls in: a subnet that overlapped the host's would hide part of
// its network behind the bridge.
func freeSubnet(h *netlink.Handle) (netip.Prefix, error) {
	routes, err := h.RouteListFiltered(netlink.FAMILY_V4, &netlink.Route{Table: unix.RT_TABLE_UNSPEC}, netlink.RT_FILTER_TABLE)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("list the host's routes: %w", err)
	}
	var used []netip.Prefix
	for _, r := range routes {
		if r.Dst == nil {
			continue // a default route overlaps everything, by design
		}
		ip, _ := netip.AddrFromSlice(r.Dst.IP.To4())
		ones, _ := r.Dst.Mask.Size()
		if ones == 0 {
			continue
		}
		used = append(used, netip.PrefixFrom(ip, ones))
	}
next:
	for _, c := range candidates {
		p := netip.MustParsePrefix(c)
		for _, u := range used {
			if u.Overlaps(p) {
				continue next
			}
		}
		return p, nil
	}
	return netip.Prefix{}, fmt.Errorf("every subnet mycontainer may use (%s) overlaps a route of the host's", strings.Join(candidates, ", "))
}

// enableForwarding turns net.ipv4.ip_forward on if it is off (a bridge
// with NAT needs it), and records that we did, for prune.
func enableForwarding() error {
	const key = "net/ipv4/ip_forward"
	cur, err := os.ReadFile("/proc/sys/" + key)
	if err != nil {
		return fmt.Errorf("read /proc/sys/%s: %w", key, err)
	}
	if strings.TrimSpace(string(cur)) != "0" {
		return nil
	}
	if err := os.WriteFile(netrun.ForwardMarker(), nil, 0o600); err != nil {
		return fmt.Errorf("record that ip_forward was off: %w", err)
	}
	return sysctl(key, "1")
}

// restoreForwarding turns ip_forward off again if we turned it on.
func restoreForwarding() error {
	if _, err := os.Stat(netrun.ForwardMarker()); err != nil {
		return nil
	}
	if err := sysctl("net/ipv4/ip_forward", "0"); err != nil {
		return err
	}
	return os.Remove(netrun.ForwardMarker())
}

// sysctlOn sets a boolean sysctl to 1 unless it is already: reading is
// cheaper than a write, which the kernel acts on (and notifies) each time.
func sysctlOn(key string) error {
	cur, err := os.ReadFile("/proc/sys/" + key)
	if err == nil && strings.TrimSpace(string(cur)) == "1" {
		return nil
	}
	return sysctl(key, "1")
}

func sysctl(key, v string) error {
	if err := os.WriteFile("/proc/sys/"+key, []byte(v), 0); err != nil {
		return fmt.Errorf("set sysctl %s=%s: %w", strings.ReplaceAll(key, "/", "."), v, err)
	}
	return nil
}

// removeBridge deletes the bridge (prune, once no lease is left).
func removeBridge() error {
	b, err := netrun.FindBridge()
	if err != nil || b == nil {
		return err
	}
	h, err := route()
	if err != nil {
		return err
	}
	if err := h.LinkDel(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: netrun.BridgeName, Index: b.Index}}); err != nil {
		return fmt.Errorf("remove bridge %s: %w", netrun.BridgeName, err)
	}
	return nil
}
