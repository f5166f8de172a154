package netconf

import (
	"strings"
	"testing"
)

func TestParsePublish(t *testing.T) {
	good := map[string]string{
		"18080:8080":            "18080:8080/tcp",
		"53:53/udp":             "53:53/udp",
		"127.0.0.1:8080:80/tcp": "127.0.0.1:8080:80/tcp",
		"65535:1":               "65535:1/tcp",
	}
	for in, want := range good {
		p, err := ParsePublish(in)
		if err != nil || p.String() != want {
			t.Errorf("ParsePublish(%q) = %v, %v; want %s", in, p, err, want)
		}
		if q, err := ParsePublish(p.String()); err != nil || q != p {
			t.Errorf("%q does not round-trip: %v %v", in, q, err)
		}
	}
	bad := map[string]string{
		"8080":          "want [HOSTIP",
		"0:80":          "not a port",
		"65536:80":      "not a port",
		"80:-1":         "not a port",
		"80:80/sctp":    "want tcp or udp",
		"::1:80:80":     "want [HOSTIP",
		"host:80:80":    "IPv4 address",
		"1.2.3.4:5:6:7": "want [HOSTIP",
		"80:80/":        "want tcp or udp",
		"":              "want [HOSTIP",
	}
	for in, want := range bad {
		if _, err := ParsePublish(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParsePublish(%q) = %v; want an error with %q", in, err, want)
		}
	}
	if _, err := ParsePublishes([]string{"80:80", "127.0.0.1:80:81"}); err == nil {
		t.Error("an overlapping pair was accepted")
	}
	if _, err := ParsePublishes([]string{"80:80", "80:80/udp"}); err != nil {
		t.Errorf("tcp and udp on one port: %v", err)
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": {Kind: "host"}, "host": {Kind: "host"}, "none": {Kind: "none"},
		"bridge": {Kind: "bridge"}, "ns:/run/netns/x": {Kind: "ns", Path: "/run/netns/x"}} {
		if m, err := ParseMode(in); err != nil || m != want {
			t.Errorf("ParseMode(%q) = %v, %v", in, m, err)
		}
	}
	for _, in := range []string{"bridged", "ns:", "ns:rel/x", "container:x"} {
		if _, err := ParseMode(in); err == nil {
			t.Errorf("ParseMode(%q) accepted", in)
		}
	}
	for _, in := range []string{"1.1.1.1", "fd00::1"} {
		if _, err := ParseDNS(in); err != nil {
			t.Errorf("ParseDNS(%q): %v", in, err)
		}
	}
	for _, in := range []string{"dns.google", "1.1.1", "fe80::1%eth0", ""} {
		if _, err := ParseDNS(in); err == nil {
			t.Errorf("ParseDNS(%q) accepted", in)
		}
	}
}
