package netrun

import (
	"errors"
	"fmt"
	"net/netip"
	"os"

	"mycontainer/netconf"
	"mycontainer/state"
)

// BridgeRules is how many masquerade rules mycontainer-net puts in the
// postrouting chain for the bridge (network.masqueradeRules): a chain
// with another count is mended by it.
const BridgeRules = 3

// Helper is what the runtime leaves to mycontainer-net, the binary that
// links the netlink and nftables libraries: the cold work of making the
// bridge, its kernel settings and the table (the first run after a boot
// or a prune, or when one of them was changed). It runs with the
// caller holding the lock.
type Helper interface {
	Prepare() error
}

// Options are one container's network as `run --net bridge` asks for it.
type Options struct {
	Hostname string
	Publish  []netconf.Publish
	DNS      []netip.Addr
	Helper   Helper
}

// Net is one container's network, held by the runtime that runs it: the
// lease names the runtime (PID and start time), so a runtime SIGKILLed
// at any point leaves a lease that the next run (or prune) sees dead and
// reclaims with its rules and veth. The veth itself dies with the
// container's namespace: init is tied to the runtime (PDEATHSIG).
type Net struct {
	Lease     *Lease
	bridge    *Bridge
	o         Options
	published bool // rules were asked for: Release removes them
}

// Acquire is the first step, under the lock: reclaim what dead runs
// left, check the host ports, make sure of the bridge and the table,
// take an address, write the container's files.
func Acquire(o Options) (*Net, error) {
	pid := os.Getpid()
	start, err := state.ProcessStartTime(pid)
	if err != nil {
		return nil, fmt.Errorf("read own start time: %w", err)
	}
	n := &Net{o: o, Lease: &Lease{Holder: pid, HolderTime: start, Runtime: pid, Hostname: o.Hostname}}
	for _, p := range o.Publish {
		n.Lease.Publish = append(n.Lease.Publish, p.String())
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
		b, err := ready()
		if err != nil {
			return err
		}
		if b == nil {
			if err := o.Helper.Prepare(); err != nil {
				return err
			}
			if b, err = ready(); err != nil {
				return err
			}
			if b == nil {
				return fmt.Errorf("bridge %s or table %s is still not as it should be after mycontainer-net made them: see mycontainer network inspect", BridgeName, TableName)
			}
		}
		n.bridge = b
		if err := allocate(b.Subnet, n.Lease); err != nil {
			return err
		}
		if _, err := writeFiles(n.Lease, o.DNS); err != nil {
			return errors.Join(err, Teardown(n.Lease, removeRules))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return n, nil
}

// ready is the bridge when it, its kernel settings and the table are as
// mycontainer-net makes them; nil when one of them is not.
func ready() (*Bridge, error) {
	b, err := FindBridge()
	if err != nil || b == nil {
		return nil, err
	}
	if !kernelReady() {
		return nil, nil
	}
	if ok, err := tableReady(b.Subnet, BridgeRules); !ok || err != nil {
		return nil, err
	}
	return b, nil
}

// Wire connects the container whose init has PID pid and publishes its
// ports.
func (n *Net) Wire(pid int) error {
	return locked(func() error {
		if err := attach(pid, n.Lease, n.bridge); err != nil {
			return err
		}
		if len(n.o.Publish) == 0 {
			return nil
		}
		n.published = true
		return addRules(n.Lease.IP, n.o.Publish)
	})
}

// Release tears the container's network down: its rules, files and
// lease; the veth dies with the container's namespace (released.go).
func (n *Net) Release() error {
	if !n.published {
		// No rule was ever asked for: no need to look for one (a lease
		// stored from here on lists its -p, for reclaim).
		n.Lease.Publish = nil
	}
	return locked(func() error { return teardown(n.Lease, removeRules, false) })
}

// Teardown removes a lease's rules (with unpublish), veth and files,
// and the lease last: if it is interrupted, the lease is still there for
// reclaim to finish.
func Teardown(l *Lease, unpublish func(netip.Addr) error) error {
	return teardown(l, unpublish, true)
}

// teardown is Teardown; a run's own (removeVeth false) leaves the veth to
// the death of the container's namespace and releases the lease instead
// of removing it, so the address's next lease makes sure the veth is gone
// (released.go).
func teardown(l *Lease, unpublish func(netip.Addr) error, removeVeth bool) error {
	var errs []error
	// A lease lists its -p before any rule exists (they are added after
	// it is stored): without one there is no rule to look for.
	if len(l.Publish) > 0 || l.Partial {
		if unpublish == nil {
			errs = append(errs, fmt.Errorf("the lease of %s may have rules, and no way to remove them was given", l.IP))
		} else if err := unpublish(l.IP); err != nil {
			errs = append(errs, err)
		}
	}
	if removeVeth {
		if err := RemoveVeth(l.Veth); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.RemoveAll(FilesDir(l.IP)); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", FilesDir(l.IP), err))
	}
	if len(errs) == 0 && !removeVeth {
		return release(l.IP)
	}
	if len(errs) == 0 {
		if err := os.Remove(leasePath(l.IP)); err != nil && !os.IsNotExist(err) {
			errs = append(errs, fmt.Errorf("remove lease %s: %w", l.IP, err))
		}
	}
	return errors.Join(errs...)
}

// reclaim tears down every lease whose holder is dead: its runtime was
// SIGKILLed (or the machine lost it some other way), rules and all.
func reclaim() error {
	leases, err := Leases()
	if err != nil {
		return err
	}
	var errs []error
	for _, l := range leases {
		if l.Alive() {
			continue
		}
		if err := Teardown(l, removeRules); err != nil {
			errs = append(errs, fmt.Errorf("reclaim the lease of dead run %d (%s): %w", l.Runtime, l.IP, err))
		}
	}
	return errors.Join(errs...)
}

func locked(f func() error) error {
	unlock, err := Lock()
	if err != nil {
		return err
	}
	defer unlock()
	return f()
}
