package main

import (
	"os"
	"testing"
)

func TestCgroupsUnderIsNotFooledByASiblingPrefix(t *testing.T) {
	const parent = "mycontainer-soak-1"
	for text, want := range map[string]bool{
		"8:pids:/mycontainer-soak-1/run-5-6\n":               true,
		"0::/mycontainer-soak-1\n":                           true,
		"8:pids:/mycontainer-soak-12/run-5-6\n":              false,
		"9:name=systemd:/\n8:pids:/user.slice\n":             false,
		"8:pids:/x/mycontainer-soak-1/run-5-6\n":             false,
		"1:name=systemd:/\n7:blkio:/mycontainer-soak-1/c3\n": true,
	} {
		if got := cgroupsUnder(text, parent); got != want {
			t.Errorf("cgroupsUnder(%q) = %v, want %v", text, got, want)
		}
	}
}

// The command name in /proc/PID/stat may hold spaces and parentheses;
// the fields are read after the last ')'.
func TestStatReadsParentOfSelf(t *testing.T) {
	ppid, state, ok := stat(os.Getpid())
	if !ok || ppid != os.Getppid() || state != 'R' {
		t.Errorf("stat(self) = %d %c %v, want %d R true", ppid, state, ok, os.Getppid())
	}
}

func TestDescendsStopsOnACycle(t *testing.T) {
	parentOf := map[int]int{10: 11, 11: 10}
	if descends(10, 99, parentOf) {
		t.Error("a PID in a parent cycle descends from an unrelated one")
	}
	if !descends(12, 99, map[int]int{12: 13, 13: 99}) {
		t.Error("a grandchild does not descend from its grandparent")
	}
}
