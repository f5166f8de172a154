package state

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
)

// procStat is the part of /proc/PID/stat the store needs.
type procStat struct {
	state byte   // field 3: R, S, D, Z, X, ...
	start uint64 // field 22: start time in clock ticks after boot
}

// parseStat parses the contents of /proc/PID/stat. Field 2 (comm) is
// wrapped in parentheses but may itself contain spaces and parentheses
// (a container can name its process anything), so the fields are counted
// from the LAST ')' rather than by splitting the whole line.
func parseStat(data []byte) (procStat, error) {
	i := bytes.LastIndexByte(data, ')')
	if i < 0 {
		return procStat{}, fmt.Errorf("malformed stat line: no ')'")
	}
	// fields[0] is field 3 (state), so field N is fields[N-3].
	fields := bytes.Fields(data[i+1:])
	if len(fields) < 22-3+1 {
		return procStat{}, fmt.Errorf("malformed stat line: %d fields after comm", len(fields))
	}
	if len(fields[0]) != 1 {
		return procStat{}, fmt.Errorf("malformed stat line: state %q", fields[0])
	}
	start, err := strconv.ParseUint(string(fields[22-3]), 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("malformed stat line: start time: %w", err)
	}
	return procStat{state: fields[0][0], start: start}, nil
}

func readStat(pid int) (procStat, error) {
	if pid <= 0 {
		return procStat{}, fmt.Errorf("invalid pid %d", pid)
	}
	path := "/proc/" + strconv.Itoa(pid) + "/stat"
	data, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, err
	}
	st, err := parseStat(data)
	if err != nil {
		return procStat{}, fmt.Errorf("%s: %w", path, err)
	}
	return st, nil
}

// ProcessStartTime returns field 22 of /proc/PID/stat, the process start
// time in clock ticks since boot. Together with the PID it identifies a
// process uniquely, which is how the store detects PID reuse.
func ProcessStartTime(pid int) (uint64, error) {
	st, err := readStat(pid)
	if err != nil {
		return 0, err
	}
	return st.start, nil
}

// Alive reports whether pid is still the process that was recorded with
// start time start. A reused PID (different start time) is not alive, and
// neither is a zombie: its program has ended, it only waits to be reaped by
// the engine, and signalling it does nothing. A start of 0 never matches a
// container process, so a record without a start time reads as stopped
// rather than risking a signal to a stranger.
func Alive(pid int, start uint64) bool {
	st, err := readStat(pid)
	if err != nil {
		return false
	}
	if st.state == 'Z' || st.state == 'X' {
		return false
	}
	return st.start == start
}
