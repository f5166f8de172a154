package containerinit

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

var _ = helper("oom", func() error {
	if err := setOOMScoreAdj(123); err != nil {
		return err
	}
	b, err := os.ReadFile("/proc/self/oom_score_adj")
	fmt.Print(string(b))
	return err
})

func TestOOMScoreAdjWritten(t *testing.T) {
	if out := runChild(t, "oom", childOpts{}); strings.TrimSpace(out) != "123" {
		t.Errorf("oom_score_adj = %q, want 123", out)
	}
	for _, v := range []int{-1001, 1001} {
		if err := setOOMScoreAdj(v); err == nil {
			t.Errorf("%d: accepted", v)
		}
	}
}
