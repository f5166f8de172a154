package spec

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func res(f func(r *specs.LinuxResources)) func(*specs.Spec) {
	return func(s *specs.Spec) {
		if s.Linux.Resources == nil {
			s.Linux.Resources = &specs.LinuxResources{}
		}
		f(s.Linux.Resources)
	}
}

func mem(m specs.LinuxMemory) func(*specs.Spec) {
	return res(func(r *specs.LinuxResources) { r.Memory = &m })
}

func cpu(c specs.LinuxCPU) func(*specs.Spec) {
	return res(func(r *specs.LinuxResources) { r.CPU = &c })
}

func TestMemory(t *testing.T) {
	const mi = 1 << 20
	runCases(t, []fieldCase{
		{"limit swap reservation", mem(specs.LinuxMemory{Limit: ptr[int64](64 * mi), Swap: ptr[int64](128 * mi), Reservation: ptr[int64](32 * mi)}), "", ""},
		{"unlimited", mem(specs.LinuxMemory{Limit: ptr[int64](-1), Swap: ptr[int64](-1)}), "", ""},
		{"zero is unset", mem(specs.LinuxMemory{Limit: ptr[int64](0), Swap: ptr[int64](0)}), "", ""},
		{"swap equal", mem(specs.LinuxMemory{Limit: ptr[int64](6 * mi), Swap: ptr[int64](6 * mi)}), "", ""},
		{"limit small", mem(specs.LinuxMemory{Limit: ptr[int64](4 * mi)}), "linux.resources.memory.limit", "6 MiB"},
		{"limit negative", mem(specs.LinuxMemory{Limit: ptr[int64](-2)}), "linux.resources.memory.limit", "6 MiB"},
		{"swap below limit", mem(specs.LinuxMemory{Limit: ptr[int64](64 * mi), Swap: ptr[int64](32 * mi)}), "linux.resources.memory.swap", "less than the memory limit"},
		{"swap without limit", mem(specs.LinuxMemory{Swap: ptr[int64](64 * mi)}), "linux.resources.memory.swap", "needs linux.resources.memory.limit"},
		{"swap negative", mem(specs.LinuxMemory{Limit: ptr[int64](64 * mi), Swap: ptr[int64](-5)}), "linux.resources.memory.swap", "-1"},
		{"reservation above limit", mem(specs.LinuxMemory{Limit: ptr[int64](64 * mi), Reservation: ptr[int64](65 * mi)}), "linux.resources.memory.reservation", "more than the memory limit"},
		{"reservation negative", mem(specs.LinuxMemory{Reservation: ptr[int64](-3)}), "linux.resources.memory.reservation", "negative"},
		{"kernel", mem(specs.LinuxMemory{Kernel: ptr[int64](1)}), "", ""},
		{"kernelTCP", mem(specs.LinuxMemory{KernelTCP: ptr[int64](1)}), "", ""},
		{"swappiness", mem(specs.LinuxMemory{Swappiness: ptr[uint64](0)}), "", ""},
		{"disableOOMKiller", mem(specs.LinuxMemory{DisableOOMKiller: ptr(true)}), "", ""},
		{"useHierarchy", mem(specs.LinuxMemory{UseHierarchy: ptr(true)}), "linux.resources.memory.useHierarchy", "not supported"},
		{"checkBeforeUpdate", mem(specs.LinuxMemory{CheckBeforeUpdate: ptr(true)}), "linux.resources.memory.checkBeforeUpdate", "not supported"},
	})
}

func TestCPU(t *testing.T) {
	runCases(t, []fieldCase{
		{"all", cpu(specs.LinuxCPU{Shares: ptr[uint64](1024), Quota: ptr[int64](50000), Period: ptr[uint64](100000), Cpus: "0-3,5", Mems: "0"}), "", ""},
		{"bounds", cpu(specs.LinuxCPU{Shares: ptr[uint64](262144), Quota: ptr[int64](1000), Period: ptr[uint64](1000000)}), "", ""},
		{"unlimited quota", cpu(specs.LinuxCPU{Quota: ptr[int64](-1), Shares: ptr[uint64](2), Period: ptr[uint64](1000)}), "", ""},
		{"shares low", cpu(specs.LinuxCPU{Shares: ptr[uint64](1)}), "linux.resources.cpu.shares", "2..262144"},
		{"shares high", cpu(specs.LinuxCPU{Shares: ptr[uint64](262145)}), "linux.resources.cpu.shares", "2..262144"},
		{"quota low", cpu(specs.LinuxCPU{Quota: ptr[int64](999)}), "linux.resources.cpu.quota", "1000"},
		{"quota negative", cpu(specs.LinuxCPU{Quota: ptr[int64](-2)}), "linux.resources.cpu.quota", "-1"},
		{"period low", cpu(specs.LinuxCPU{Period: ptr[uint64](999)}), "linux.resources.cpu.period", "1000..1000000"},
		{"period high", cpu(specs.LinuxCPU{Period: ptr[uint64](1000001)}), "linux.resources.cpu.period", "1000..1000000"},
		{"cpus syntax", cpu(specs.LinuxCPU{Cpus: "0-3,a"}), "linux.resources.cpu.cpus", "bad item"},
		{"cpus backwards", cpu(specs.LinuxCPU{Cpus: "3-1"}), "linux.resources.cpu.cpus", "backwards"},
		{"cpus stride", cpu(specs.LinuxCPU{Cpus: "0-7:2"}), "linux.resources.cpu.cpus", "bad item"},
		{"mems syntax", cpu(specs.LinuxCPU{Mems: "0,,1"}), "linux.resources.cpu.mems", "bad item"},
		{"burst", cpu(specs.LinuxCPU{Burst: ptr[uint64](1)}), "", ""},
		{"realtimeRuntime", cpu(specs.LinuxCPU{RealtimeRuntime: ptr[int64](1)}), "", ""},
		{"realtimePeriod", cpu(specs.LinuxCPU{RealtimePeriod: ptr[uint64](1)}), "", ""},
		{"idle", cpu(specs.LinuxCPU{Idle: ptr[int64](1)}), "", ""},
	})
}

func TestOtherResources(t *testing.T) {
	blkio := func(b specs.LinuxBlockIO) func(*specs.Spec) {
		return res(func(r *specs.LinuxResources) { r.BlockIO = &b })
	}
	dev := specs.LinuxBlockIODevice{Major: 8, Minor: 0}
	runCases(t, []fieldCase{
		{"pids", res(func(r *specs.LinuxResources) { r.Pids = &specs.LinuxPids{Limit: 100} }), "", ""},
		{"pids unlimited", res(func(r *specs.LinuxResources) { r.Pids = &specs.LinuxPids{Limit: -1} }), "", ""},
		{"pids negative", res(func(r *specs.LinuxResources) { r.Pids = &specs.LinuxPids{Limit: -2} }), "linux.resources.pids.limit", "-1"},

		{"blkio weight", blkio(specs.LinuxBlockIO{Weight: ptr[uint16](500)}), "", ""},
		{"blkio weight bounds", blkio(specs.LinuxBlockIO{Weight: ptr[uint16](10)}), "", ""},
		{"blkio weight low", blkio(specs.LinuxBlockIO{Weight: ptr[uint16](9)}), "linux.resources.blockIO.weight", "10..1000"},
		{"blkio weight high", blkio(specs.LinuxBlockIO{Weight: ptr[uint16](1001)}), "linux.resources.blockIO.weight", "10..1000"},
		// Applied where the host has the file (container.fileSettings).
		{"blkio leafWeight", blkio(specs.LinuxBlockIO{LeafWeight: ptr[uint16](100)}), "", ""},
		{"blkio leafWeight low", blkio(specs.LinuxBlockIO{LeafWeight: ptr[uint16](1)}), "linux.resources.blockIO.leafWeight", "10..1000"},
		{"blkio weightDevice", blkio(specs.LinuxBlockIO{WeightDevice: []specs.LinuxWeightDevice{{LinuxBlockIODevice: dev, Weight: ptr[uint16](100)}}}), "", ""},
		{"blkio weightDevice high", blkio(specs.LinuxBlockIO{WeightDevice: []specs.LinuxWeightDevice{{LinuxBlockIODevice: dev, Weight: ptr[uint16](2000)}}}),
			"linux.resources.blockIO.weightDevice[0].weight", "10..1000"},
		{"blkio throttle", blkio(specs.LinuxBlockIO{ThrottleReadBpsDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 1}}}), "", ""},
		{"blkio throttle iops", blkio(specs.LinuxBlockIO{ThrottleWriteIOPSDevice: []specs.LinuxThrottleDevice{{LinuxBlockIODevice: dev, Rate: 1}}}), "", ""},

		{"hugepageLimits", res(func(r *specs.LinuxResources) {
			r.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "2MB", Limit: 1}}
		}), "", ""},
		{"hugepageLimits bad size", res(func(r *specs.LinuxResources) {
			r.HugepageLimits = []specs.LinuxHugepageLimit{{Pagesize: "../2MB", Limit: 1}}
		}), "linux.resources.hugepageLimits[0].pageSize", "huge page size"},
		{"network", res(func(r *specs.LinuxResources) { r.Network = &specs.LinuxNetwork{ClassID: ptr[uint32](1)} }), "", ""},
		{"rdma", res(func(r *specs.LinuxResources) { r.Rdma = map[string]specs.LinuxRdma{"mlx5_0": {}} }),
			"linux.resources.rdma", "not supported"},
		{"unified", res(func(r *specs.LinuxResources) { r.Unified = map[string]string{"memory.high": "1G"} }),
			`linux.resources.unified["memory.high"]`, "not supported"},
	})
}

func TestDeviceRules(t *testing.T) {
	rule := func(r specs.LinuxDeviceCgroup) func(*specs.Spec) {
		return res(func(rs *specs.LinuxResources) { rs.Devices = []specs.LinuxDeviceCgroup{r} })
	}
	runCases(t, []fieldCase{
		{"deny all", rule(specs.LinuxDeviceCgroup{Allow: false, Access: "rwm"}), "", ""},
		{"deny all typed", rule(specs.LinuxDeviceCgroup{Type: "a", Major: ptr[int64](-1), Access: "rwm"}), "", ""},
		{"char", rule(specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: ptr[int64](1), Minor: ptr[int64](3), Access: "rw"}), "", ""},
		{"block wildcard", rule(specs.LinuxDeviceCgroup{Allow: true, Type: "b", Major: ptr[int64](8), Access: "r"}), "", ""},
		{"no access", rule(specs.LinuxDeviceCgroup{Allow: true, Type: "c", Major: ptr[int64](1)}), "", ""},
		{"bad type", rule(specs.LinuxDeviceCgroup{Type: "p", Access: "rwm"}), "linux.resources.devices[0].type", "a, b or c"},
		{"bad access", rule(specs.LinuxDeviceCgroup{Type: "c", Access: "rwx"}), "linux.resources.devices[0].access", "r, w and m"},
		{"bad major", rule(specs.LinuxDeviceCgroup{Type: "c", Major: ptr[int64](-2), Access: "r"}), "linux.resources.devices[0].major", "negative"},
		{"bad minor", rule(specs.LinuxDeviceCgroup{Type: "c", Minor: ptr[int64](-2), Access: "r"}), "linux.resources.devices[0].minor", "negative"},
		{"all with major", rule(specs.LinuxDeviceCgroup{Type: "a", Major: ptr[int64](1), Access: "r"}), "linux.resources.devices[0]", "no major or minor"},
	})
}
