package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"
)

// maxListed caps the leaked items printed per kind: the count says how
// many, a few names say what.
const maxListed = 20

// report prints the kill windows, where the kills landed and the leaks.
func (s *soak) report(leaks []leak, loop, total time.Duration) string {
	var b strings.Builder
	fmt.Fprintf(&b, "soak: loop %v, total %v\n",
		loop.Round(time.Second), total.Round(time.Second))
	w := tabwriter.NewWriter(&b, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(w, "verb\twindow\t%s\t\n", strings.Join(points, "\t"))
	for _, v := range verbs {
		fmt.Fprintf(w, "%s\t%v\t", v, s.windows[v].Round(time.Millisecond))
		for _, p := range points {
			fmt.Fprintf(w, "%d\t", s.tally[v][p])
		}
		fmt.Fprintln(w)
	}
	w.Flush()
	fmt.Fprintln(&b, "soak: left after one sweeping run and list + delete --force:")
	w = tabwriter.NewWriter(&b, 0, 8, 2, ' ', 0)
	for _, l := range leaks {
		switch {
		case l.na != "":
			fmt.Fprintf(w, "  %s\t%s\n", l.kind, l.na)
		case len(l.items) == 0:
			fmt.Fprintf(w, "  %s\t0\n", l.kind)
		default:
			fmt.Fprintf(w, "  %s\t%d LEAKED\n", l.kind, len(l.items))
		}
	}
	w.Flush()
	for _, l := range leaks {
		for i, it := range l.items {
			if i == maxListed {
				fmt.Fprintf(&b, "    ... %d more\n", len(l.items)-maxListed)
				break
			}
			fmt.Fprintf(&b, "    %s: %s\n", l.kind, it)
		}
		for _, it := range l.foreign {
			fmt.Fprintf(&b, "    %s, not the soak's: %s\n", l.kind, it)
		}
	}
	return b.String()
}

// containsStatus reports whether `state` output says status.
func containsStatus(stateJSON []byte, status string) bool {
	var st struct {
		Status string `json:"status"`
	}
	return json.Unmarshal(stateJSON, &st) == nil && st.Status == status
}

func fieldsOf(b []byte) []string { return strings.Fields(string(b)) }
