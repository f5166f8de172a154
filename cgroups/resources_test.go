package cgroups

import (
	"strings"
	"testing"
)

func TestValidateAccepts(t *testing.T) {
	for _, r := range []*Resources{
		nil,
		{},
		{Memory: 6 << 20},
		{Memory: 64 << 20, MemorySwap: 64 << 20},
		{Memory: 64 << 20, MemorySwap: -1},
		{Memory: 64 << 20, MemoryReservation: 32 << 20},
		{MemoryReservation: 32 << 20},
		{CPUQuota: 1000},
		{CPUQuota: 50000, CPUPeriod: 100000},
		{CPUPeriod: 1000},
		{CPUPeriod: 1000000},
		{CPUShares: 2},
		{CPUShares: 262144},
		{CpusetCpus: "0", CpusetMems: "0"},
		{CpusetCpus: "0-2,4", CpusetMems: "0-1"},
		{CpusetCpus: "3-3"},
		{PidsLimit: -1},
		{PidsLimit: 1},
		{BlkioWeight: 10},
		{BlkioWeight: 1000},
	} {
		if err := r.Validate(); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
}

func TestValidateRejects(t *testing.T) {
	for _, tc := range []struct {
		r    Resources
		want string
	}{
		{Resources{Memory: -1}, "--memory -1 is negative"},
		{Resources{Memory: 6<<20 - 1}, "below the minimum of 6291456 bytes"},
		{Resources{Memory: 4096}, "below the minimum"},
		{Resources{Memory: 64 << 20, MemorySwap: 32 << 20}, "--memory-swap 33554432 is less than --memory 67108864"},
		{Resources{MemorySwap: 64 << 20}, "--memory-swap needs --memory"},
		{Resources{MemorySwap: -1}, "--memory-swap needs --memory"},
		{Resources{Memory: 64 << 20, MemorySwap: -2}, "--memory-swap -2 is negative"},
		{Resources{MemoryReservation: -5}, "--memory-reservation -5 is negative"},
		{Resources{MemoryReservation: 1 << 20}, "--memory-reservation 1048576 is below the minimum"},
		{Resources{Memory: 32 << 20, MemoryReservation: 64 << 20}, "less than --memory-reservation"},
		{Resources{CPUQuota: -1}, "CPU quota -1 is negative"},
		{Resources{CPUQuota: 999}, "below the kernel minimum of 1000us"},
		{Resources{CPUPeriod: 999}, "outside the kernel's range 1000..1000000us"},
		{Resources{CPUPeriod: 1000001}, "outside the kernel's range"},
		{Resources{CPUShares: 1}, "--cpu-shares 1 is outside 2..262144"},
		{Resources{CPUShares: 262145}, "--cpu-shares 262145 is outside"},
		{Resources{CpusetCpus: "2-0"}, `range "2-0" runs backwards`},
		{Resources{CpusetCpus: "a"}, `--cpuset-cpus "a": bad item "a"`},
		{Resources{CpusetCpus: "0,"}, `bad item ""`},
		{Resources{CpusetCpus: ",0"}, `bad item ""`},
		{Resources{CpusetCpus: "0-"}, `bad item "0-"`},
		{Resources{CpusetCpus: "-1"}, `bad item "-1"`},
		{Resources{CpusetCpus: "0-7:2/4"}, `bad item "0-7:2/4"`},
		{Resources{CpusetCpus: " 1"}, `bad item " 1"`},
		{Resources{CpusetCpus: "+1"}, `bad item "+1"`},
		{Resources{CpusetMems: "0-1-2"}, `--cpuset-mems "0-1-2": bad item`},
		{Resources{PidsLimit: -2}, "--pids-limit -2 is negative"},
		{Resources{BlkioWeight: 9}, "--blkio-weight 9 is outside 10..1000"},
		{Resources{BlkioWeight: 1001}, "--blkio-weight 1001 is outside"},
	} {
		err := tc.r.Validate()
		if err == nil {
			t.Errorf("%+v: accepted", tc.r)
			continue
		}
		wantErr(t, err, "cgroups: invalid resources: ", tc.want)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	err := (&Resources{Memory: 1, CPUShares: 1, BlkioWeight: 1}).Validate()
	wantErr(t, err, "--memory 1", "--cpu-shares 1", "--blkio-weight 1")
	if n := strings.Count(err.Error(), "\n"); n != 2 {
		t.Errorf("want 3 lines, got %d: %v", n+1, err)
	}
}

func TestSharesToWeight(t *testing.T) {
	for _, tc := range []struct{ shares, weight uint64 }{
		{0, 0}, // not set
		{2, 1},
		{1024, 39}, // docker's default shares: 1 + 1022*9999/262142
		{512, 20},
		{2048, 79},
		{262144, 10000},
		{1, 1},          // clamped
		{300000, 10000}, // clamped
	} {
		if got := SharesToWeight(tc.shares); got != tc.weight {
			t.Errorf("SharesToWeight(%d) = %d, want %d", tc.shares, got, tc.weight)
		}
	}
	// Monotone over the whole range.
	prev := uint64(0)
	for s := uint64(2); s <= 262144; s += 97 {
		w := SharesToWeight(s)
		if w < prev || w < 1 || w > 10000 {
			t.Fatalf("SharesToWeight(%d) = %d after %d", s, w, prev)
		}
		prev = w
	}
}

func TestBlkioToIOWeight(t *testing.T) {
	for _, tc := range []struct {
		blkio uint16
		io    uint64
	}{
		{0, 0},
		{10, 1},
		{100, 910},
		{500, 4950},
		{1000, 10000},
		{5, 1},        // clamped
		{2000, 10000}, // clamped
	} {
		if got := BlkioToIOWeight(tc.blkio); got != tc.io {
			t.Errorf("BlkioToIOWeight(%d) = %d, want %d", tc.blkio, got, tc.io)
		}
	}
}

func TestSwapTotal(t *testing.T) {
	for _, tc := range []struct {
		r        Resources
		total    int64
		explicit bool
	}{
		{Resources{}, 0, false},
		{Resources{Memory: 64}, 128, false}, // docker: as much swap as memory
		{Resources{Memory: 64, MemorySwap: 100}, 100, true},
		{Resources{Memory: 64, MemorySwap: -1}, -1, true},
	} {
		total, explicit := tc.r.swapTotal()
		if total != tc.total || explicit != tc.explicit {
			t.Errorf("%+v: swapTotal = %d, %v", tc.r, total, explicit)
		}
	}
}
