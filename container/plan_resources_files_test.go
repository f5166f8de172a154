package container

import (
	"fmt"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The one-file resource fields map to the v1 file or its v2 equivalent,
// and a field v2 has no file for is refused naming it.
func TestFileSettingsV1AndV2(t *testing.T) {
	sw, rate, id := uint64(10), uint64(1048576), uint32(7)
	dev := specs.LinuxBlockIODevice{Major: 8, Minor: 0}
	r := &specs.LinuxResources{
		BlockIO:        &specs.LinuxBlockIO{ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: rate}}},
		HugepageLimits: []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 4194304}},
	}
	for _, c := range []struct {
		unified bool
		want    string
	}{
		{false, "[{linux.resources.blockIO.throttleReadBpsDevice[0] blkio [blkio.throttle.read_bps_device] 8:0 1048576} {linux.resources.hugepageLimits[0] hugetlb [hugetlb.2MB.limit_in_bytes] 4194304}]"},
		{true, "[{linux.resources.blockIO.throttleReadBpsDevice[0] io [io.max] 8:0 rbps=1048576} {linux.resources.hugepageLimits[0] hugetlb [hugetlb.2MB.max] 4194304}]"},
	} {
		got, err := fileSettings(r, c.unified)
		if err != nil || fmt.Sprint(got) != c.want {
			t.Errorf("unified=%v: %v %v\nwant %s", c.unified, got, err, c.want)
		}
	}
	for _, r := range []*specs.LinuxResources{
		{Memory: &specs.LinuxMemory{Swappiness: &sw}},
		{Network: &specs.LinuxNetwork{ClassID: &id}},
	} {
		if _, err := fileSettings(r, true); err == nil || !strings.Contains(err.Error(), "linux.resources.") || !strings.Contains(err.Error(), "cgroup v2 has no equivalent") {
			t.Errorf("v2 refusal: %v", err)
		}
		if got, err := fileSettings(r, false); err != nil || len(got) != 1 {
			t.Errorf("v1: %v %v", got, err)
		}
	}
}
