package network

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"mycontainer/netconf"
	"mycontainer/state"
)

// KeepOptions are one container's network, as `mycontainer-net keep` got
// them from the runtime.
type KeepOptions struct {
	Runtime  int // the runtime's PID, for ls
	Hostname string
	Publish  []netconf.Publish
	DNS      []netip.Addr
	In       io.Reader // from the runtime: "pid N", then end of file
	Out      io.Writer // to the runtime: "leased IP DIR", "up", or "error MSG"
}

// Keep holds one container's network for as long as the runtime keeps
// its pipe open. It leases an address (and writes the container's DNS
// files), wires the container once told its init's PID, and tears all of
// it down at end of file: when the container ended, and also when the
// runtime was SIGKILLed (the kernel closes the pipe then). The runtime
// starts it before the container, so leasing overlaps with the spawn.
func Keep(o KeepOptions) error {
	l, b, err := lease(o)
	if err != nil {
		fmt.Fprintf(o.Out, "error %s\n", oneLine(err))
		return err
	}
	fmt.Fprintf(o.Out, "leased %s %s\n", l.IP, FilesDir(l.IP))
	in := bufio.NewReader(o.In)
	line, rerr := in.ReadString('\n')
	if pid, ok := strings.CutPrefix(strings.TrimSpace(line), "pid "); ok && rerr == nil {
		if err = wire(pid, l, b, o.Publish); err != nil {
			fmt.Fprintf(o.Out, "error %s\n", oneLine(err))
		} else {
			fmt.Fprintf(o.Out, "up\n")
			_, err = io.Copy(io.Discard, in) // until the runtime is done
		}
	}
	if terr := locked(func() error { return teardown(l) }); terr != nil {
		return errors.Join(err, terr)
	}
	return err
}

// lease is the first step, under the lock: reclaim what dead runs left,
// check the host ports, make sure of the bridge and the table, take an
// address, write the files.
func lease(o KeepOptions) (l *Lease, b *Bridge, err error) {
	start, err := state.ProcessStartTime(os.Getpid())
	if err != nil {
		return nil, nil, fmt.Errorf("read own start time: %w", err)
	}
	l = &Lease{Holder: os.Getpid(), HolderTime: start, Runtime: o.Runtime, Hostname: o.Hostname}
	for _, p := range o.Publish {
		l.Publish = append(l.Publish, p.String())
	}
	err = locked(func() error {
		if err := reclaim(); err != nil {
			return err
		}
		// The ports first: a -p that cannot be had (taken, or a HOSTIP
		// that is not the host's) fails before the bridge or the table
		// is made. (So a HOSTIP on the bridge itself needs the bridge to
		// exist already: another container made it.)
		if err := checkPorts(o.Publish); err != nil {
			return err
		}
		if b, err = ensureBridge(); err != nil {
			return err
		}
		if err := ensureTable(b.Subnet); err != nil {
			return err
		}
		if err := allocate(b.Subnet, l); err != nil {
			return err
		}
		if _, err := writeFiles(l, o.DNS); err != nil {
			teardown(l)
			return err
		}
		return nil
	})
	return l, b, err
}

// wire connects the container whose init has PID pid and publishes its
// ports.
func wire(pid string, l *Lease, b *Bridge, ps []netconf.Publish) error {
	n, err := strconv.Atoi(pid)
	if err != nil || n <= 0 {
		return fmt.Errorf("bad init pid %q from the runtime", pid)
	}
	return locked(func() error {
		if err := attach(n, l, b); err != nil {
			return err
		}
		return addPublished(l.IP, ps)
	})
}

// teardown removes a lease's rules, veth and files, and the lease last:
// if it is interrupted, the lease is still there for reclaim to finish.
func teardown(l *Lease) error {
	var errs []error
	// A lease lists its -p before any rule exists (they are added after
	// it is stored): without one there is no rule to look for.
	if len(l.Publish) > 0 || l.partial {
		if err := removePublished(l.IP); err != nil {
			errs = append(errs, err)
		}
	}
	if err := removeVeth(l.Veth); err != nil {
		errs = append(errs, err)
	}
	if err := os.RemoveAll(FilesDir(l.IP)); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", FilesDir(l.IP), err))
	}
	if len(errs) == 0 {
		if err := os.Remove(leasePath(l.IP)); err != nil && !os.IsNotExist(err) {
			errs = append(errs, fmt.Errorf("remove lease %s: %w", l.IP, err))
		}
	}
	return errors.Join(errs...)
}

// reclaim tears down every lease whose holder is dead: its runtime and
// keeper were both SIGKILLed (or the machine lost them some other way).
// Called with the lock held.
func reclaim() error {
	leases, err := Leases()
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range leases {
		if !l.Alive() {
			if err := teardown(l); err != nil {
				errs = append(errs, fmt.Errorf("reclaim the lease of dead run %d (%s): %w", l.Runtime, l.IP, err))
			}
		}
	}
	return errors.Join(errs...)
}

func locked(f func() error) error {
	unlock, err := lock()
	if err != nil {
		return err
	}
	defer unlock()
	return f()
}

func oneLine(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}
