package netrun

import (
	"encoding/binary"
	"fmt"
	"math/bits"
	"net/netip"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// Bridge is the bridge's subnet; its first address is the host's.
type Bridge struct {
	Subnet netip.Prefix
	Index  int
}

// Gateway is the host's address on the bridge: the containers' route.
func (b *Bridge) Gateway() netip.Addr { return b.Subnet.Addr().Next() }

// FindBridge returns the bridge if it exists (nil if not). Every start
// asks, so it asks cheaply: three ioctls on a datagram socket and a stat
// in sysfs. Through rtnetlink the library parses the link's whole
// description and a dump of every address of the host: 1.4 ms more CPU
// per start (measured in the former keeper process: its own getrusage,
// medians of 20 runs).
func FindBridge() (*Bridge, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("look up bridge %s: socket: %w", BridgeName, err)
	}
	defer unix.Close(fd)
	index, err := ifIndex(fd, BridgeName)
	if err == unix.ENODEV {
		return nil, nil
	} else if err != nil {
		return nil, fmt.Errorf("look up bridge %s: %w", BridgeName, err)
	}
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
	ones := bits.OnesCount32(binary.BigEndian.Uint32(mask[:]))
	return &Bridge{Subnet: netip.PrefixFrom(netip.AddrFrom4(addr), ones).Masked(), Index: index}, nil
}

// sysctlIs reports whether /proc/sys/key reads v.
func sysctlIs(key, v string) bool {
	cur, err := os.ReadFile("/proc/sys/" + key)
	return err == nil && strings.TrimSpace(string(cur)) == v
}

// kernelReady reports whether the settings the bridge needs are on
// (mycontainer-net sets them; something else may have turned them off).
func kernelReady() bool {
	return sysctlIs("net/ipv4/conf/"+BridgeName+"/route_localnet", "1") && !sysctlIs("net/ipv4/ip_forward", "0")
}
