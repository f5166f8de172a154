package main

import (
	"reflect"
	"strings"
	"testing"
)

// Every command line fastParse takes must come out exactly as kong makes
// it: the same cli struct, defaults included, and the same command name.
func TestFastParseMatchesKong(t *testing.T) {
	for _, tc := range []struct{ name, args string }{
		{"mycontainer", "run --bundle /b id"},
		{"mycontainer", "--root /r --debug run -b /b --pid-file /p -d --keep id"},
		{"mycontainer", "--root=/r --log=/l --log-format=json run --bundle=/b --console-socket /s --no-pivot --no-new-keyring --no-subreaper id"},
		{"runc", "run id"},
		{"runc", "--root /r run --detach id"},
		{"mycontainer", "--root /r --log /l --log-format json --systemd-cgroup create --bundle /b --pid-file /p id"},
		{"mycontainer", "create id"},
		{"runc", "create -b /b --console-socket /s --no-pivot --no-new-keyring id"},
		{"mycontainer", "--root /r start id"},
		{"mycontainer", "--log-format text state id"},
		{"runc", "state id"},
		{"mycontainer", "delete id"},
		{"mycontainer", "delete --force id"},
		{"mycontainer", "delete id -f"},
		{"mycontainer", "kill id"},
		{"mycontainer", "kill id KILL"},
		{"mycontainer", "kill --all id 9"},
		{"mycontainer", "kill -a id SIGTERM"},
	} {
		args := strings.Fields(tc.args)
		fc, fcmd, ok := fastParse(tc.name, args)
		if !ok {
			t.Errorf("%s %s: fastParse gave up on a form it should take", tc.name, tc.args)
			continue
		}
		var kc cli
		kcmd, _, err := kc.parse(tc.name, args)
		if err != nil {
			t.Errorf("%s %s: kong: %v", tc.name, tc.args, err)
			continue
		}
		if fcmd != kcmd {
			t.Errorf("%s %s: command %q, kong's %q", tc.name, tc.args, fcmd, kcmd)
		}
		if !reflect.DeepEqual(*fc, kc) {
			t.Errorf("%s %s:\n fast %+v\n kong %+v", tc.name, tc.args, *fc, kc)
		}
	}
}

// Anything outside the engines' shapes goes to kong, which knows its
// meaning or has the error message for it.
func TestFastParseGivesUp(t *testing.T) {
	for _, args := range []string{
		"", "--help", "-h", "run --help", "create -h id", "--version", "-v", "state",
		"run sh",                              // the friendly run
		"run --rootfs r sh",                   // the friendly run
		"run -e A=1 -d id",                    // ociRunForm misses it: the full flag set parses it
		"run --bundle /b --bundle /c id",      // repeated
		"run -db /b id",                       // combined short flags
		"run -b=/b id",                        // short flag with =
		"run --bundle= id",                    // empty value
		"run --bundle --detach id",            // a value that looks like a flag
		"run --bundle",                        // no value
		"run --preserve-fds 2 --bundle /b id", // a count
		"run --bundle /b id other",            // one argument too many
		"run --bundle /b",                     // no ID
		"run --bundle /b -- id",               // "--"
		"--log-format xml state id",           // kong's enum error
		"--rootless true state id",            // not a flag fastParse knows
		"--cgroup-manager disabled delete id",
		"state --root /r id", // a global flag after the verb
		"exec id true", "ps id", "list", "pause id", "update id", "events id", "spec", "features",
		"kill id TERM extra",
		"delete --force=true id", // a switch with a value
	} {
		if _, _, ok := fastParse("mycontainer", strings.Fields(args)); ok {
			t.Errorf("fastParse(%q) took it; kong must parse it", args)
		}
	}
}
