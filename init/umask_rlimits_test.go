package containerinit

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// startSoft is the soft RLIMIT_NOFILE the child starts with (set by sh
// before exec), below the hard limit, so Go raises it at start and records
// it for syscall.Exec to restore.
const startSoft = 64

func printLimits() error {
	return syscall.Exec("/bin/sh", []string{"sh", "-c", "ulimit -Sn; ulimit -Hn; ulimit -Sc; umask; cat /proc/self/oom_score_adj"}, nil)
}

// goRaisedNofile checks the premise: Go did raise the soft limit.
func goRaisedNofile() (unix.Rlimit, error) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return lim, err
	}
	if lim.Cur == startSoft {
		return lim, os.ErrInvalid
	}
	return lim, nil
}

var _ = helper("process", func() error {
	lim, err := goRaisedNofile()
	if err != nil {
		return err
	}
	mask, oom := uint32(0o027), 500
	x := &Extras{Umask: &mask, OOMScoreAdj: &oom, Rlimits: []Rlimit{
		{Type: unix.RLIMIT_NOFILE, Soft: 100, Hard: lim.Max},
		{Type: unix.RLIMIT_CORE, Soft: 0, Hard: 0},
	}}
	if err := applyProcessExtras(x); err != nil {
		return err
	}
	return printLimits()
})

// The control: a raw prlimit64 does not clear syscall's record, and
// syscall.Exec puts Go's original soft limit back. If this stops happening
// (a Go change), the "process" test no longer proves anything.
var _ = helper("process-raw-nofile", func() error {
	lim, err := goRaisedNofile()
	if err != nil {
		return err
	}
	nl := unix.Rlimit{Cur: 100, Max: lim.Max}
	if _, _, e := unix.RawSyscall6(unix.SYS_PRLIMIT64, 0, unix.RLIMIT_NOFILE, uintptr(unsafe.Pointer(&nl)), 0, 0, 0); e != 0 {
		return e
	}
	return printLimits()
})

func hardNofile(t *testing.T) string {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Max <= startSoft+1 {
		t.Skipf("hard RLIMIT_NOFILE %d is too low for the test", lim.Max)
	}
	return strconv.FormatUint(lim.Max, 10)
}

func TestSpecNofileSurvivesSyscallExec(t *testing.T) {
	hard := hardNofile(t)
	out := runChild(t, "process", childOpts{shell: "ulimit -Sn " + strconv.Itoa(startSoft)})
	if want := "100\n" + hard + "\n0\n0027\n500\n"; out != want {
		t.Errorf("after exec:\n%q\nwant (soft nofile, hard nofile, core, umask, oom_score_adj)\n%q", out, want)
	}
	out = runChild(t, "process-raw-nofile", childOpts{shell: "ulimit -Sn " + strconv.Itoa(startSoft)})
	if first, _, _ := strings.Cut(out, "\n"); first != strconv.Itoa(startSoft) {
		t.Errorf("control: a raw prlimit64 left soft nofile %s after syscall.Exec, want Go's restored %d", first, startSoft)
	}
}

func TestProcessExtrasRefuseBadValues(t *testing.T) {
	mask, oom := uint32(0o1000), 1001
	for name, x := range map[string]*Extras{
		"umask":          {Umask: &mask},
		"oom":            {OOMScoreAdj: &oom},
		"soft over hard": {Rlimits: []Rlimit{{Type: unix.RLIMIT_NOFILE, Soft: 2, Hard: 1}}},
	} {
		if err := applyProcessExtras(x); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	err := setRlimit(Rlimit{Type: unix.RLIMIT_NOFILE, Soft: 2, Hard: 1})
	if err == nil || !strings.Contains(err.Error(), "RLIMIT_NOFILE") {
		t.Errorf("error does not name the limit: %v", err)
	}
	if applyProcessExtras(nil) != nil || applyProcessExtras(&Extras{}) != nil {
		t.Error("an empty Extras must change nothing")
	}
}
