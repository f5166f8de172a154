package spec

import (
	"os"
	"strings"
	"testing"
)

// Attack: an argument list execve refuses (E2BIG). It was accepted by
// create and failed only in init, after start had returned 0.
func TestExecSizeTooLongArgList(t *testing.T) {
	page := os.Getpagesize()
	const unlimited = ^uint64(0)
	big := strings.Repeat("x", 100_000)
	cases := []struct {
		name  string
		args  []string
		env   []string
		stack uint64
		want  string // "" for ok
	}{
		{"small", []string{"sh", "-c", "true"}, []string{"PATH=/bin"}, 8 << 20, ""},
		{"one string at MAX_ARG_STRLEN", []string{"echo", strings.Repeat("x", 32*page)}, nil, 8 << 20, "MAX_ARG_STRLEN"},
		{"one env string too long", []string{"true"}, []string{"A=" + strings.Repeat("x", 32*page)}, 8 << 20, "process.env[0]"},
		{"just under MAX_ARG_STRLEN", []string{"echo", strings.Repeat("x", 32*page-1)}, nil, 8 << 20, ""},
		{"total over a quarter of the stack", append([]string{"echo"}, repeat(big, 25)...), nil, 8 << 20, "E2BIG"},
		{"total fits a larger stack", append([]string{"echo"}, repeat(big, 25)...), nil, 16 << 20, ""},
		{"total over the 6 MiB cap", append([]string{"echo"}, repeat(big, 70)...), nil, unlimited, "unlimited"},
		{"small stack still gets ARG_MAX", []string{"echo", strings.Repeat("x", 100_000)}, nil, 4096, ""},
		{"pointers count", repeat("", 1<<20), nil, 8 << 20, "E2BIG"},
	}
	for _, c := range cases {
		err := CheckExecSize(c.args, c.env, c.stack)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%s: %v, want ok", c.name, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%s: %v, want an error with %q", c.name, err, c.want)
		}
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}
