package netrun

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// hostResolv is the host's resolver configuration; upstreamResolv is
// systemd-resolved's list of real upstream servers, for a host whose own
// resolv.conf only names the stub at 127.0.0.53.
var hostResolv, upstreamResolv = "/etc/resolv.conf", "/run/systemd/resolve/resolv.conf"

// writeFiles writes the container's resolv.conf, hosts and hostname into
// its own directory; the runtime binds them over the rootfs's (which
// stay unchanged on disk).
func writeFiles(l *Lease, dns []netip.Addr) (string, error) {
	dir := FilesDir(l.IP)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("create %s: %w", dir, err)
	}
	resolv, err := resolvConf(dns)
	if err != nil {
		return "", err
	}
	hosts := fmt.Sprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n%s\t%s\n", l.IP, l.Hostname)
	for name, b := range map[string]string{"resolv.conf": resolv, "hosts": hosts, "hostname": l.Hostname + "\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b), 0o644); err != nil {
			return "", fmt.Errorf("write the container's %s: %w", name, err)
		}
	}
	return dir, nil
}

// resolvConf is the host's resolv.conf with its loopback nameservers
// dropped (from the container, 127.0.0.53 is the container's own
// loopback, where nothing answers); then systemd-resolved's upstreams, if
// that left none. --dns replaces every nameserver.
func resolvConf(dns []netip.Addr) (string, error) {
	var out bytes.Buffer
	out.WriteString("# written by mycontainer for --net bridge\n")
	keep, servers, err := readResolv(hostResolv)
	if err != nil {
		return "", err
	}
	if len(dns) > 0 {
		servers = dns
	} else if len(servers) == 0 {
		if _, up, err := readResolv(upstreamResolv); err == nil {
			servers = up
		}
	}
	for _, l := range keep {
		out.WriteString(l + "\n")
	}
	for _, s := range servers {
		fmt.Fprintf(&out, "nameserver %s\n", s)
	}
	return out.String(), nil
}

// readResolv splits a resolv.conf into its non-nameserver lines and its
// usable (non-loopback) nameservers. A missing file is an empty one.
func readResolv(path string) (keep []string, servers []netip.Addr, err error) {
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "nameserver" {
			if a, err := netip.ParseAddr(f[1]); err == nil && !a.IsLoopback() {
				servers = append(servers, a)
			}
			continue
		}
		if line != "" && line[0] != '#' && line[0] != ';' {
			keep = append(keep, line)
		}
	}
	return keep, servers, nil
}
