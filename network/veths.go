package network

import (
	"fmt"
	"strings"

	"mycontainer/netrun"
)

// Veths lists the host ends of our veth pairs that exist now.
func Veths() ([]string, error) {
	h, err := route()
	if err != nil {
		return nil, err
	}
	links, err := h.LinkList()
	if err != nil {
		return nil, fmt.Errorf("list links: %w", err)
	}
	var out []string
	for _, l := range links {
		if n := l.Attrs().Name; len(n) > len(netrun.VethPrefix) && strings.HasPrefix(n, netrun.VethPrefix) {
			out = append(out, n)
		}
	}
	return out, nil
}
