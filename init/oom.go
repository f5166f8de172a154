package containerinit

import (
	"fmt"
	"os"
	"strconv"
)

// setOOMScoreAdj writes /proc/self/oom_score_adj. The value belongs to the
// process (not the thread) and survives execve and fork, so the command and
// its children inherit it. Lowering it below its current minimum needs
// CAP_SYS_RESOURCE, hence it is done before the credentials change. /proc
// here is the container's own procfs, mounted by the plan.
func setOOMScoreAdj(v int) error {
	if v < -1000 || v > 1000 {
		return fmt.Errorf("oom_score_adj %d: out of range -1000..1000", v)
	}
	f, err := os.OpenFile("/proc/self/oom_score_adj", os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("oom_score_adj: %w", err)
	}
	_, err = f.WriteString(strconv.Itoa(v))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("oom_score_adj %d: %w", v, err)
	}
	return nil
}
