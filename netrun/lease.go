package netrun

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"sort"

	"mycontainer/netconf"
	"mycontainer/state"

	"golang.org/x/sys/unix"
)

// Lease is one container's address, as stored in leases/<ip>.
type Lease struct {
	IP         netip.Addr `json:"ip"`
	Holder     int        `json:"holder_pid"` // the runtime that tears it down
	HolderTime uint64     `json:"holder_start"`
	Runtime    int        `json:"runtime_pid"`
	Hostname   string     `json:"hostname"`
	Veth       string     `json:"veth"`
	Publish    []string   `json:"publish,omitempty"` // netconf.Publish.String()

	Partial bool `json:"-"` // read back half-written: its -p are unknown
}

// Alive reports whether the lease's holder still runs.
func (l *Lease) Alive() bool { return state.Alive(l.Holder, l.HolderTime) }

func (l *Lease) Publishes() []netconf.Publish {
	var out []netconf.Publish
	for _, s := range l.Publish {
		if p, err := netconf.ParsePublish(s); err == nil {
			out = append(out, p)
		}
	}
	return out
}

// Lock takes the network's one lock: leases, the bridge and the table
// change only under it.
func Lock() (unlock func(), err error) {
	if err := os.MkdirAll(leaseDir(), 0o700); err != nil {
		return nil, fmt.Errorf("create %s: %w", leaseDir(), err)
	}
	fd, err := unix.Open(lockPath(), unix.O_RDWR|unix.O_CREAT|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock %s: %w", lockPath(), err)
	}
	for {
		err = unix.Flock(fd, unix.LOCK_EX)
		if err != unix.EINTR {
			break
		}
	}
	if err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("lock %s: %w", lockPath(), err)
	}
	heldLock = fd
	return func() { heldLock = -1; unix.Close(fd) }, nil
}

// heldLock is the fd of the lock while this process holds it.
var heldLock = -1

// HeldLock is the fd of the lock this process holds (-1 if none). The
// runtime hands a duplicate of it to mycontainer-net: a flock belongs to
// the open file, so the lock then stays held until both are done, even
// if the runtime is SIGKILLed while the helper works.
func HeldLock() int { return heldLock }

// CheckHeldLock verifies that fd is the lock, held by this process (it
// inherited it from the caller, who took it): flock on the same open
// file succeeds at once, on another one it would wait.
func CheckHeldLock(fd int) error {
	var got, want unix.Stat_t
	if err := unix.Fstat(fd, &got); err != nil {
		return fmt.Errorf("the caller's lock (fd %d): %w: run this only through mycontainer", fd, err)
	}
	if err := unix.Stat(lockPath(), &want); err != nil || got.Dev != want.Dev || got.Ino != want.Ino {
		return fmt.Errorf("fd %d is not the lock %s: run this only through mycontainer", fd, lockPath())
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		return fmt.Errorf("the caller does not hold the lock %s: %w", lockPath(), err)
	}
	return nil
}

// Leases lists every stored lease, by address.
func Leases() ([]*Lease, error) {
	ents, err := os.ReadDir(leaseDir())
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list leases in %s: %w", leaseDir(), err)
	}
	var out []*Lease
	for _, e := range ents {
		ip, err := netip.ParseAddr(e.Name())
		if err != nil {
			continue // not a lease (a temporary file, say)
		}
		l, err := readLease(ip)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].IP.Less(out[j].IP) })
	return out, nil
}

func readLease(ip netip.Addr) (*Lease, error) {
	b, err := os.ReadFile(leasePath(ip))
	if err != nil {
		return nil, fmt.Errorf("read lease: %w", err)
	}
	l := &Lease{}
	if err := json.Unmarshal(b, l); err != nil || l.IP != ip {
		// A half-written lease (its writer killed mid-way) has no live
		// holder either: keep the address, so reclaim can find its veth.
		return &Lease{IP: ip, Veth: VethName(ip), Partial: true}, nil
	}
	return l, nil
}

// allocate takes the lowest free address of the subnet (the bridge has
// the first) and stores the lease, created exclusively. An address
// released so recently that its veth is still there is passed over for
// another; only when no other is left is its veth deleted (released.go).
func allocate(subnet netip.Prefix, l *Lease) error {
	gw := subnet.Addr().Next()
	for _, wait := range []bool{false, true} {
		for ip := gw.Next(); subnet.Contains(ip); ip = ip.Next() {
			if !subnet.Contains(ip.Next()) {
				break // the broadcast address
			}
			if ok, err := claim(ip, l, wait); err != nil || ok {
				return err
			}
		}
	}
	return fmt.Errorf("no free address left in %s: every one is leased (see mycontainer network ls)", subnet)
}

// claim stores l as the lease of ip if ip is free: not leased, and its
// veth gone (vethGone, which may delete it).
func claim(ip netip.Addr, l *Lease, wait bool) (bool, error) {
	f, err := os.OpenFile(leasePath(ip), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("create lease %s: %w", leasePath(ip), err)
	}
	gone, err := vethGone(ip, wait)
	if err != nil || !gone {
		f.Close()
		os.Remove(leasePath(ip))
		return false, err
	}
	l.IP, l.Veth = ip, VethName(ip)
	b, _ := json.Marshal(l)
	_, err = f.Write(b)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(leasePath(ip))
		return false, fmt.Errorf("write lease %s: %w", leasePath(ip), err)
	}
	return true, nil
}
