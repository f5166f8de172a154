package network

import (
	"fmt"
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

// Bridge is the bridge's subnet; its first address is the host's.
type Bridge struct {
	Subnet netip.Prefix
	index  int
}

// Gateway is the host's address on the bridge: the containers' route.
func (b *Bridge) Gateway() netip.Addr { return b.Subnet.Addr().Next() }

// findBridge returns the bridge if it exists (nil if not). Every start
// asks, so it asks cheaply: three ioctls on a datagram socket and a stat
// in sysfs. Through rtnetlink the library parses the link's whole
// description and a dump of every address of the host: 1.4 ms more CPU
// per start (the keeper's own getrusage, medians of 20 runs).
func findBridge() (*Bridge, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("look up bridge %s: socket: %w", BridgeName, err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(BridgeName)
	if err != nil {
		return nil, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err == unix.ENODEV {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("look up bridge %s: %w", BridgeName, err)
	}
	index := int(ifr.Uint32())
	// Only a bridge has this directory.
	if _, err := os.Stat("/sys/class/net/" + BridgeName + "/bridge"); err != nil {
		return nil, fmt.Errorf("link %s exists but is not a bridge (%v): rename or remove it", BridgeName, err)
	}
	noAddr := fmt.Errorf("bridge %s has no IPv4 address: remove it (mycontainer network prune) to have it made again", BridgeName)
	var addr, mask [4]byte
	for _, q := range []struct {
		req uint
		to  *[4]byte
	}{{unix.SIOCGIFADDR, &addr}, {unix.SIOCGIFNETMASK, &mask}} {
		ifr, _ := unix.NewIfreq(BridgeName)
		if err := unix.IoctlIfreq(fd, q.req, ifr); err == unix.EADDRNOTAVAIL {
			return nil, noAddr
		} else if err != nil {
			return nil, fmt.Errorf("look up the address of bridge %s: %w", BridgeName, err)
		}
		b, err := ifr.Inet4Addr()
		if err != nil {
			return nil, noAddr
		}
		copy(q.to[:], b)
	}
	ones, _ := net.IPMask(mask[:]).Size()
	return &Bridge{Subnet: netip.PrefixFrom(netip.AddrFrom4(addr), ones).Masked(), index: index}, nil
}

// ensureBridge finds or makes the bridge, up, with the host's address,
// and the kernel settings it needs.
func ensureBridge() (*Bridge, error) {
	b, err := findBridge()
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
	if err := sysctlOn("net/ipv4/conf/" + BridgeName + "/route_localnet"); err != nil {
		return nil, err
	}
	if err := enableForwarding(); err != nil {
		return nil, err
	}
	return b, nil
}

func makeBridge() (*Bridge, error) {
	h, err := route()
	if err != nil {
		return nil, err
	}
	subnet, err := freeSubnet(h)
	if err != nil {
		return nil, err
	}
	la := netlink.NewLinkAttrs()
	la.Name = BridgeName
	br := &netlink.Bridge{LinkAttrs: la}
	if err := h.LinkAdd(br); err != nil {
		return nil, fmt.Errorf("create bridge %s: %w", BridgeName, err)
	}
	b := &Bridge{Subnet: subnet, index: br.Attrs().Index}
	gw := b.Gateway().AsSlice()
	addr := &netlink.Addr{IPNet: &net.IPNet{IP: gw, Mask: net.CIDRMask(subnet.Bits(), 32)}}
	if err := h.AddrAdd(br, addr); err != nil {
		h.LinkDel(br)
		return nil, fmt.Errorf("give bridge %s address %s: %w", BridgeName, addr, err)
	}
	if err := h.LinkSetUp(br); err != nil {
		h.LinkDel(br)
		return nil, fmt.Errorf("bring bridge %s up: %w", BridgeName, err)
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
	if err := os.WriteFile(forwardMarker(), nil, 0o600); err != nil {
		return fmt.Errorf("record that ip_forward was off: %w", err)
	}
	return sysctl(key, "1")
}

// restoreForwarding turns ip_forward off again if we turned it on.
func restoreForwarding() error {
	if _, err := os.Stat(forwardMarker()); err != nil {
		return nil
	}
	if err := sysctl("net/ipv4/ip_forward", "0"); err != nil {
		return err
	}
	return os.Remove(forwardMarker())
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
	b, err := findBridge()
	if err != nil || b == nil {
		return err
	}
	h, err := route()
	if err != nil {
		return err
	}
	if err := h.LinkDel(&netlink.Bridge{LinkAttrs: netlink.LinkAttrs{Name: BridgeName, Index: b.index}}); err != nil {
		return fmt.Errorf("remove bridge %s: %w", BridgeName, err)
	}
	return nil
}
