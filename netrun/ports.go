package netrun

import (
	"fmt"

	"mycontainer/netconf"

	"golang.org/x/sys/unix"
)

// checkPorts fails when a host port asked for is taken: by another
// container's -p (our DNAT binds nothing, so only the leases know), or by
// a socket of the host's listening on it (the DNAT would steal its
// traffic). Called with the lock held, so two runs cannot both pass.
func checkPorts(ps []netconf.Publish) error {
	if len(ps) == 0 {
		return nil
	}
	leases, err := Leases()
	if err != nil {
		return err
	}
	for _, p := range ps {
		for _, l := range leases {
			for _, q := range l.Publishes() {
				if p.Overlaps(q) {
					return fmt.Errorf("-p %s: host port %d/%s is already published by the container at %s (run %d)", p, p.HostPort, p.Proto, l.IP, l.Runtime)
				}
			}
		}
		if err := bindTest(p); err != nil {
			return err
		}
	}
	return nil
}

// bindTest binds the host port for a moment. SO_REUSEADDR: only a socket
// that holds the port (a listener, a bound UDP socket) makes it fail, not
// a connection lingering in TIME_WAIT.
func bindTest(p netconf.Publish) error {
	typ := unix.SOCK_STREAM
	if p.Proto == "udp" {
		typ = unix.SOCK_DGRAM
	}
	fd, err := unix.Socket(unix.AF_INET, typ|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("-p %s: check the host port: socket: %w", p, err)
	}
	defer unix.Close(fd)
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return fmt.Errorf("-p %s: check the host port: %w", p, err)
	}
	sa := &unix.SockaddrInet4{Port: int(p.HostPort)}
	if p.HostIP.IsValid() {
		sa.Addr = p.HostIP.As4()
	}
	if err := unix.Bind(fd, sa); err != nil {
		if err == unix.EADDRINUSE {
			return fmt.Errorf("-p %s: host port %d/%s is already in use on this host", p, p.HostPort, p.Proto)
		}
		if err == unix.EADDRNOTAVAIL {
			return fmt.Errorf("-p %s: %s is not an address of this host: give one of its own, or no HOSTIP for all of them", p, p.HostIP)
		}
		return fmt.Errorf("-p %s: check the host port: bind: %w", p, err)
	}
	return nil
}
