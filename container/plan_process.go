package container

import (
	"fmt"

	"mycontainer/nsexec"
	"mycontainer/spec"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// planProcess fills the command, its user and its attributes.
func planProcess(pr *specs.Process, bs *nsexec.Bootstrap, x *nsexec.Extras) error {
	if pr == nil {
		return fmt.Errorf("process: missing")
	}
	bs.Args, bs.Env, bs.Cwd = pr.Args, pr.Env, pr.Cwd
	// Every way in (create, run, exec) plans here; init checks again.
	if err := spec.CheckCwd(pr.Cwd); err != nil {
		return fmt.Errorf("process.cwd: %w", err)
	}
	if err := spec.CheckExecSize(pr.Args, pr.Env, execStackLimit(pr.Rlimits)); err != nil {
		return err
	}
	bs.UID, bs.GID, bs.AddGIDs = pr.User.UID, pr.User.GID, pr.User.AdditionalGids
	if len(bs.AddGIDs) > 0 {
		bs.AddGIDs = append([]uint32{pr.User.GID}, bs.AddGIDs...)
	}
	bs.TTY = pr.Terminal
	if pr.ConsoleSize != nil {
		bs.Rows, bs.Cols = uint16(pr.ConsoleSize.Height), uint16(pr.ConsoleSize.Width)
	}
	x.Umask = pr.User.Umask
	x.NoNewPrivs = pr.NoNewPrivileges
	x.OOMScoreAdj = pr.OOMScoreAdj
	var rlNames []string
	for i, rl := range pr.Rlimits {
		n, ok := rlimitNumbers[rl.Type]
		if !ok {
			return fmt.Errorf("process.rlimits[%d].type: %q is not supported", i, rl.Type)
		}
		x.Rlimits = append(x.Rlimits, nsexec.Rlimit{Type: n, Soft: rl.Soft, Hard: rl.Hard})
		rlNames = append(rlNames, rl.Type)
	}
	if err := checkHostRlimits(x.Rlimits, rlNames); err != nil {
		return err
	}
	if c := pr.Capabilities; c != nil {
		caps := &nsexec.Capabilities{}
		for _, set := range []struct {
			name string
			in   []string
			out  *[]int
		}{
			{"bounding", c.Bounding, &caps.Bounding}, {"effective", c.Effective, &caps.Effective},
			{"inheritable", c.Inheritable, &caps.Inheritable}, {"permitted", c.Permitted, &caps.Permitted},
			{"ambient", spec.AmbientCaps(c), &caps.Ambient},
		} {
			for i, name := range set.in {
				n, ok := spec.Capability(name)
				if !ok {
					return fmt.Errorf("process.capabilities.%s[%d]: unknown capability %q", set.name, i, name)
				}
				*set.out = append(*set.out, n)
			}
		}
		if err := checkHostCaps(caps); err != nil {
			return err
		}
		x.Caps = caps
	}
	return nil
}

var rlimitNumbers = map[string]int{
	"RLIMIT_CPU": unix.RLIMIT_CPU, "RLIMIT_FSIZE": unix.RLIMIT_FSIZE, "RLIMIT_DATA": unix.RLIMIT_DATA,
	"RLIMIT_STACK": unix.RLIMIT_STACK, "RLIMIT_CORE": unix.RLIMIT_CORE, "RLIMIT_RSS": unix.RLIMIT_RSS,
	"RLIMIT_NPROC": unix.RLIMIT_NPROC, "RLIMIT_NOFILE": unix.RLIMIT_NOFILE, "RLIMIT_MEMLOCK": unix.RLIMIT_MEMLOCK,
	"RLIMIT_AS": unix.RLIMIT_AS, "RLIMIT_LOCKS": unix.RLIMIT_LOCKS, "RLIMIT_SIGPENDING": unix.RLIMIT_SIGPENDING,
	"RLIMIT_MSGQUEUE": unix.RLIMIT_MSGQUEUE, "RLIMIT_NICE": unix.RLIMIT_NICE, "RLIMIT_RTPRIO": unix.RLIMIT_RTPRIO,
	"RLIMIT_RTTIME": unix.RLIMIT_RTTIME,
}
