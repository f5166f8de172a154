package container

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"mycontainer/nsexec"
	"mycontainer/spec"

	"golang.org/x/sys/unix"
)

// What init does after start (capset, setrlimit) is checked here, before
// create reports success, against what the runtime itself holds: the
// kernel lets init keep or lower, never raise. Otherwise create and start
// exit 0 and the container dies at its first step (issue 10 point 7;
// runtime.md: create fails if the config cannot be applied).

// ownCaps reads a capability mask of this process ("CapBnd", "CapEff")
// from the host's /proc (the runtime runs on the host).
func ownCaps(field string) (uint64, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 16, 64)
		}
	}
	return 0, fmt.Errorf("/proc/self/status has no %s line", field)
}

// checkHostCaps refuses a capability, in any set, that the runtime's own
// bounding set lacks: init could not give it (capset EPERM at start).
func checkHostCaps(c *nsexec.Capabilities) error {
	bnd, err := ownCaps("CapBnd")
	if err != nil {
		return fmt.Errorf("process.capabilities: read the runtime's bounding set: %w", err)
	}
	for _, set := range []struct {
		name string
		caps []int
	}{{"bounding", c.Bounding}, {"effective", c.Effective}, {"inheritable", c.Inheritable}, {"permitted", c.Permitted}, {"ambient", c.Ambient}} {
		for _, n := range set.caps {
			if n >= 0 && n < 64 && bnd&(1<<uint(n)) == 0 {
				return fmt.Errorf("process.capabilities.%s: %s is not in the runtime's own bounding set (CapBnd %016x in /proc/self/status), so the container cannot get it; remove it from the config, or run the runtime with it",
					set.name, spec.CapabilityName(n), bnd)
			}
		}
	}
	return nil
}

// checkHostRlimits refuses a hard limit above the runtime's own when the
// runtime lacks CAP_SYS_RESOURCE: setrlimit would fail with EPERM at start.
func checkHostRlimits(rls []nsexec.Rlimit, names []string) error {
	eff, err := ownCaps("CapEff")
	if err != nil {
		return fmt.Errorf("process.rlimits: read the runtime's capabilities: %w", err)
	}
	if eff&(1<<unix.CAP_SYS_RESOURCE) != 0 {
		return nil
	}
	for i, rl := range rls {
		var cur unix.Rlimit
		if err := unix.Getrlimit(rl.Type, &cur); err != nil {
			continue // the kernel decides at start
		}
		if rl.Hard > cur.Max {
			return fmt.Errorf("process.rlimits[%d]: %s hard limit %d is above the runtime's own %d, and the runtime lacks CAP_SYS_RESOURCE to raise it; lower it (podman: default_ulimits in containers.conf)",
				i, names[i], rl.Hard, cur.Max)
		}
	}
	return nil
}
