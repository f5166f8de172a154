package netconf

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Mode is a parsed --net.
type Mode struct {
	Kind string // "host", "none", "bridge" or "ns"
	Path string // with "ns": the network namespace file to join
}

// ParseMode reads --net: host (the default), none, bridge or ns:PATH.
func ParseMode(s string) (Mode, error) {
	switch s {
	case "", "host":
		return Mode{Kind: "host"}, nil
	case "none", "bridge":
		return Mode{Kind: s}, nil
	}
	if p, ok := strings.CutPrefix(s, "ns:"); ok {
		if !filepath.IsAbs(p) {
			return Mode{}, fmt.Errorf("--net %q: ns:PATH needs an absolute path to a network namespace file (e.g. /run/netns/NAME)", s)
		}
		return Mode{Kind: "ns", Path: filepath.Clean(p)}, nil
	}
	return Mode{}, fmt.Errorf("--net %q: want host, none, bridge or ns:PATH", s)
}
