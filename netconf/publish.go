package netconf

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Publish is one -p [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp].
type Publish struct {
	HostIP        netip.Addr // invalid (zero): every local address
	HostPort      uint16
	ContainerPort uint16
	Proto         string // "tcp" or "udp"
}

// ParsePublish reads one -p value.
func ParsePublish(s string) (Publish, error) {
	p := Publish{Proto: "tcp"}
	rest := s
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		p.Proto = rest[i+1:]
		rest = rest[:i]
		if p.Proto != "tcp" && p.Proto != "udp" {
			return Publish{}, fmt.Errorf("-p %q: protocol %q: want tcp or udp", s, p.Proto)
		}
	}
	parts := strings.Split(rest, ":")
	if len(parts) == 3 {
		ip, err := netip.ParseAddr(parts[0])
		if err != nil || !ip.Is4() {
			return Publish{}, fmt.Errorf("-p %q: host address %q: want an IPv4 address", s, parts[0])
		}
		p.HostIP = ip
		parts = parts[1:]
	}
	if len(parts) != 2 {
		return Publish{}, fmt.Errorf("-p %q: want [HOSTIP:]HOSTPORT:CONTAINERPORT[/tcp|udp]", s)
	}
	var err error
	if p.HostPort, err = port(parts[0]); err != nil {
		return Publish{}, fmt.Errorf("-p %q: host port: %w", s, err)
	}
	if p.ContainerPort, err = port(parts[1]); err != nil {
		return Publish{}, fmt.Errorf("-p %q: container port: %w", s, err)
	}
	return p, nil
}

func port(s string) (uint16, error) {
	n, err := strconv.ParseUint(s, 10, 32)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("%q is not a port number (1-65535)", s)
	}
	return uint16(n), nil
}

// String is the canonical form, which ParsePublish reads back.
func (p Publish) String() string {
	s := fmt.Sprintf("%d:%d/%s", p.HostPort, p.ContainerPort, p.Proto)
	if p.HostIP.IsValid() {
		s = p.HostIP.String() + ":" + s
	}
	return s
}

// Overlaps reports whether p and q would catch the same packets: the
// same protocol and host port on a common address.
func (p Publish) Overlaps(q Publish) bool {
	return p.Proto == q.Proto && p.HostPort == q.HostPort &&
		(!p.HostIP.IsValid() || !q.HostIP.IsValid() || p.HostIP == q.HostIP)
}

// ParsePublishes reads every -p and refuses two that overlap.
func ParsePublishes(list []string) ([]Publish, error) {
	var out []Publish
	for _, s := range list {
		p, err := ParsePublish(s)
		if err != nil {
			return nil, err
		}
		for _, q := range out {
			if p.Overlaps(q) {
				return nil, fmt.Errorf("-p %q: host port %d/%s is published twice", s, p.HostPort, p.Proto)
			}
		}
		out = append(out, p)
	}
	return out, nil
}

// ParseDNS reads one --dns: a nameserver's IP address.
func ParseDNS(s string) (netip.Addr, error) {
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, fmt.Errorf("--dns %q: want a nameserver's IP address", s)
	}
	return a, nil
}
