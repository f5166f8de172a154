package container

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestTimelinePrint(t *testing.T) {
	const ms = uint64(1e6)
	tl := &Timeline{Origin: 1000 * ms}
	tl.Add("exec", 1012*ms+500e3, 1013*ms)
	tl.Add("spawn", 1000*ms, 1002*ms+250e3)
	tl.Add("mount /proc", 1004*ms, 1004*ms+1e3)
	tl.Add("mount /dev", 1004*ms, 1020*ms) // same start: kept in the order added
	tl.Add("cgroups", 999*ms, 1000*ms)     // before the origin
	var b bytes.Buffer
	tl.Print(&b)
	want := "mycontainer: start-up timeline (ms)\n" +
		"        at      took  step\n" +
		"    -1.000     1.000  cgroups\n" +
		"    +0.000     2.250  spawn\n" +
		"    +4.000     0.001  mount /proc\n" +
		"    +4.000    16.000  mount /dev\n" +
		"   +12.500     0.500  exec\n"
	if b.String() != want {
		t.Errorf("Print wrote\n%s\nwant\n%s", b.String(), want)
	}
}

func TestTimelineNil(t *testing.T) {
	var tl *Timeline
	tl.Add("spawn", 1, 2) // --debug is off: nothing happens, no panic
	var b bytes.Buffer
	tl.Print(&b)
	if b.Len() != 0 {
		t.Errorf("a nil timeline printed %q", b.String())
	}
}

func TestNowIsMonotonic(t *testing.T) {
	a := Now()
	b := Now()
	if a == 0 || b < a {
		t.Errorf("Now() = %d then %d", a, b)
	}
}

// Once init is reaped the timeline ends with the CPU each process used.
func TestTimelineCPUSplit(t *testing.T) {
	tl := &Timeline{}
	tl.addCPU("stage-1", &unix.Rusage{Utime: unix.Timeval{Usec: 250}, Stime: unix.Timeval{Usec: 500}})
	tl.addCPU("init", &unix.Rusage{Stime: unix.Timeval{Sec: 1, Usec: 1500}})
	var b bytes.Buffer
	tl.Print(&b)
	got := b.String()
	if !strings.Contains(got, "mycontainer: CPU (ms): runtime ") ||
		!strings.HasSuffix(got, ", stage-1 0.750, init+command 1001.500\n") {
		t.Errorf("Print wrote %q", got)
	}
}
