package main

import "strings"

// The engines' hot path without kong. podman (through conmon) and
// containerd call the runtime once per verb per container, always in the
// same few shapes:
//
//	[--root R] [--log F] [--log-format json] [--systemd-cgroup] create --bundle B --pid-file P ID
//	start ID, state ID, kill ID SIG, delete [--force] ID, run --bundle B ID
//
// Building kong's model of the command line costs more than anything else
// the runtime does before it reads config.json: ~8 % of the runtime's CPU
// per `run --bundle` and a sixth of its page faults (reflection over the
// command structs, tag parsing, ${var} interpolation with regexps). fastParse
// fills the same cli struct for exactly those shapes and gives up on
// anything else (help, an unknown or repeated flag, an empty value, a
// value that looks like a flag, "--", a count): kong then parses the
// command line as before, so every error message and every rarer form
// stays kong's. TestFastParseMatchesKong holds the two to the same result.

// fastFlag is one flag fastParse knows: the long name, the short one
// (or ""), and where its value goes (str) or that it is a switch (bool).
type fastFlag struct {
	long, short string
	str         *string
	bool        *bool
}

// fastParse returns the parsed command line and kong's name of the
// command ("create <id>"), or ok=false when kong must parse it.
func fastParse(name string, args []string) (c *cli, command string, ok bool) {
	c = &cli{Root: stateRoot(name), LogFormat: "text", Rootless: "auto", CgroupManager: "cgroupfs"}
	global := []fastFlag{
		{long: "--root", str: &c.Root},
		{long: "--log", str: &c.Log},
		{long: "--log-format", str: &c.LogFormat},
		{long: "--debug", bool: &c.Debug},
		{long: "--systemd-cgroup", bool: &c.SystemdCgroup},
	}
	verb, at := verbAt(args)
	if at < 0 || !fastFlags(args[:at], global, nil) {
		return nil, "", false
	}
	if c.LogFormat != "text" && c.LogFormat != "json" { // kong's enum check and its message
		return nil, "", false
	}
	rest := args[at+1:]
	var pos []*string
	var flags []fastFlag
	switch verb {
	case "run":
		if name != "runc" && !ociRunForm(args) {
			return nil, "", false // the friendly run
		}
		r := &c.RunBundle
		r.Bundle = "."
		flags = []fastFlag{{long: "--bundle", short: "-b", str: &r.Bundle}, {long: "--detach", short: "-d", bool: &r.Detach},
			{long: "--pid-file", str: &r.PidFile}, {long: "--console-socket", str: &r.ConsoleSocket},
			{long: "--keep", bool: &r.Keep}, {long: "--no-pivot", bool: &r.NoPivot},
			{long: "--no-new-keyring", bool: &r.NoNewKeyring}, {long: "--no-subreaper", bool: &r.NoSubreaper}}
		pos = []*string{&r.ID}
	case "create":
		r := &c.Create
		r.Bundle = "."
		flags = []fastFlag{{long: "--bundle", short: "-b", str: &r.Bundle}, {long: "--pid-file", str: &r.PidFile},
			{long: "--console-socket", str: &r.ConsoleSocket}, {long: "--no-pivot", bool: &r.NoPivot},
			{long: "--no-new-keyring", bool: &r.NoNewKeyring}}
		pos = []*string{&c.Create.ID}
	case "start":
		pos = []*string{&c.Start.ID}
	case "state":
		pos = []*string{&c.State.ID}
	case "delete":
		flags = []fastFlag{{long: "--force", short: "-f", bool: &c.Delete.Force}}
		pos = []*string{&c.Delete.ID}
	case "kill":
		c.Kill.Signal = "TERM"
		flags = []fastFlag{{long: "--all", short: "-a", bool: &c.Kill.All}}
		pos = []*string{&c.Kill.ID, &c.Kill.Signal}
	default:
		return nil, "", false
	}
	var got []string
	if !fastFlags(rest, flags, &got) || len(got) == 0 || len(got) > len(pos) {
		return nil, "", false
	}
	for i, v := range got {
		*pos[i] = v
	}
	// kong names a command with its arguments as placeholders.
	command = verb + " <id>"
	if verb == "kill" && len(got) == 2 {
		command += " <signal>"
	}
	return c, command, true
}

// fastFlags reads args as flags of the set (and, when pos is not nil,
// positional arguments), and reports false on anything it does not know
// for certain to mean what kong would make of it.
func fastFlags(args []string, set []fastFlag, pos *[]string) bool {
	seen := map[string]bool{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") {
			if pos == nil || a == "" {
				return false
			}
			*pos = append(*pos, a)
			continue
		}
		name, val, hasVal := strings.Cut(a, "=")
		if hasVal && !strings.HasPrefix(name, "--") {
			return false // -b=X: kong's reading of it is not ours to guess
		}
		var f *fastFlag
		for j := range set {
			if name == set[j].long || (set[j].short != "" && name == set[j].short) {
				f = &set[j]
			}
		}
		if f == nil || seen[f.long] {
			return false // unknown (help, version, "--", -db, ...) or repeated
		}
		seen[f.long] = true
		if f.bool != nil {
			if hasVal {
				return false
			}
			*f.bool = true
			continue
		}
		if !hasVal {
			if i+1 >= len(args) {
				return false
			}
			i++
			val = args[i]
		}
		if val == "" || strings.HasPrefix(val, "-") {
			return false
		}
		*f.str = val
	}
	return true
}
