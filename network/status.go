package network

import (
	"errors"
	"fmt"
	"mycontainer/netrun"
	"net/netip"
	"os"
	"strings"
)

// Status is what `network ls` and `network inspect` show.
type Status struct {
	Bridge        string   `json:"bridge,omitempty"`
	Subnet        string   `json:"subnet,omitempty"`
	Gateway       string   `json:"gateway,omitempty"`
	ForwardingSet bool     `json:"ip_forward_set_by_mycontainer"`
	Leases        []Entry  `json:"leases"`
	Rules         []Rule   `json:"rules"`
	Veths         []string `json:"veths"`
}

// Entry is a lease and whether its holder lives.
type Entry struct {
	*netrun.Lease
	Alive bool `json:"alive"`
}

// Inspect reads the network's state without changing it, under the lock:
// a run that makes the bridge adds it, then its address (seen between
// the two, the bridge would look broken).
func Inspect() (st *Status, err error) {
	err = locked(func() error {
		st, err = inspect()
		return err
	})
	return st, err
}

func inspect() (*Status, error) {
	st := &Status{}
	b, err := netrun.FindBridge()
	if err != nil {
		return nil, err
	}
	if b != nil {
		st.Bridge, st.Subnet, st.Gateway = netrun.BridgeName, b.Subnet.String(), b.Gateway().String()
	}
	_, err = os.Stat(netrun.ForwardMarker())
	st.ForwardingSet = err == nil
	leases, err := netrun.Leases()
	if err != nil {
		return nil, err
	}
	for _, l := range leases {
		st.Leases = append(st.Leases, Entry{Lease: l, Alive: l.Alive()})
	}
	if st.Rules, err = Rules(); err != nil {
		return nil, err
	}
	if st.Veths, err = Veths(); err != nil {
		return nil, err
	}
	return st, nil
}

// Prune removes what no live container uses: dead runs' leases, veths
// and rules without a lease, and, once no lease is left, the table, the
// bridge and the ip_forward setting we made. It returns what it removed.
func Prune() (removed []string, err error) {
	err = locked(func() error {
		leases, err := netrun.Leases()
		if err != nil {
			return err
		}
		live := map[string]bool{}
		var errs []error
		for _, l := range leases {
			if l.Alive() {
				live[l.Veth] = true
				live[string(netrun.RuleTag(l.IP))] = true
				continue
			}
			if err := teardown(l); err != nil {
				errs = append(errs, err)
				continue
			}
			removed = append(removed, "lease "+l.IP.String())
		}
		veths, err := Veths()
		if err != nil {
			return err
		}
		for _, v := range veths {
			if !live[v] {
				if err := netrun.RemoveVeth(v); err != nil {
					errs = append(errs, err)
					continue
				}
				removed = append(removed, "veth "+v)
			}
		}
		// Every released address's veth is gone now (deleted above if a
		// namespace kept it): their markers have nothing left to guard.
		if len(errs) == 0 {
			if err := netrun.ForgetReleased(); err != nil {
				errs = append(errs, err)
			}
		}
		if len(live) == 0 {
			if err := removeTable(); err != nil {
				errs = append(errs, err)
			} else {
				removed = append(removed, "nftables table "+netrun.TableName)
			}
			if b, _ := netrun.FindBridge(); b != nil {
				if err := removeBridge(); err != nil {
					errs = append(errs, err)
				} else {
					removed = append(removed, "bridge "+netrun.BridgeName)
				}
			}
			if err := restoreForwarding(); err != nil {
				errs = append(errs, err)
			}
			return errors.Join(errs...)
		}
		n, err := pruneOrphanRules(live)
		if n > 0 {
			removed = append(removed, fmt.Sprintf("%d rules without a lease", n))
		}
		return errors.Join(append(errs, err)...)
	})
	return removed, err
}

// pruneOrphanRules deletes container rules whose lease is gone.
func pruneOrphanRules(live map[string]bool) (int, error) {
	rules, err := Rules()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rules {
		ip, ok := strings.CutPrefix(r.Tag, "mycontainer:")
		a, perr := netip.ParseAddr(ip)
		if !ok || perr != nil || live[r.Tag] {
			continue
		}
		if err := removePublished(a); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
