package cgroups

import "testing"

func TestParseBytes(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
	}{
		{"100", 100},
		{"0", 0},
		{"100b", 100},
		{"100B", 100},
		{"512k", 512 << 10},
		{"64m", 64 << 20},
		{"64M", 64 << 20},
		{"64mb", 64 << 20},
		{"64MiB", 64 << 20},
		{"64 m", 64 << 20},
		{" 64m ", 64 << 20},
		{"1g", 1 << 30},
		{"1.5g", 3 << 29},
		{"0.5k", 512},
		{"0.1k", 102}, // a fraction of a byte is truncated
		{"2t", 2 << 40},
		{"1p", 1 << 50},
		{"8191p", 8191 << 50},
	} {
		got, err := ParseBytes(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseBytes(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestParseBytesErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "empty"},
		{"-1", "negative"},
		{"-64m", "negative"},
		{"abc", "want a number of bytes"},
		{"1x", "unknown unit"},
		{"64mm", "unknown unit"},
		{"1ib", "unknown unit"},
		{"1.2.3", "want a number"},
		{".5g", "want a number"},
		{"5.g", "want a number"},
		{"1e3", "unknown unit"},
		{"0x10", "unknown unit"},
		{"64  m", "unknown unit"},
		{"8192p", "larger than"},
		{"99999999999999999999", "larger than"},
	} {
		_, err := ParseBytes(tc.in)
		if err == nil {
			t.Errorf("ParseBytes(%q) succeeded", tc.in)
			continue
		}
		wantErr(t, err, "cgroups: invalid size", tc.want)
	}
}

func TestParseMemorySwap(t *testing.T) {
	if v, err := ParseMemorySwap("-1"); err != nil || v != -1 {
		t.Errorf(`ParseMemorySwap("-1") = %d, %v`, v, err)
	}
	if v, err := ParseMemorySwap("1g"); err != nil || v != 1<<30 {
		t.Errorf(`ParseMemorySwap("1g") = %d, %v`, v, err)
	}
	_, err := ParseMemorySwap("-2")
	wantErr(t, err, "negative", "or -1 for unlimited swap")
}

func TestParseCPUs(t *testing.T) {
	for _, tc := range []struct {
		in     string
		quota  int64
		period uint64
	}{
		{"0.5", 50000, 100000},
		{"1", 100000, 100000},
		{"1.5", 150000, 100000},
		{"4", 400000, 100000},
		{"0.01", 1000, 100000},
		{"0.2", 20000, 100000},
		{"0.123456789", 12345, 100000},
		{"0", 0, 0}, // docker: no limit
		{"0.000", 0, 0},
	} {
		q, p, err := parseCPUs(tc.in, 4)
		if err != nil || q != tc.quota || p != tc.period {
			t.Errorf("parseCPUs(%q) = %d, %d, %v; want %d, %d", tc.in, q, p, err, tc.quota, tc.period)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"-1", "must not be negative"},
		{"-0.5", "must not be negative"},
		{"abc", "want a decimal number"},
		{"", "want a decimal number"},
		{"1/2", "want a decimal number"},
		{"1e1", "want a decimal number"},
		{"0.009", "below the kernel minimum"},
		{"0.0000000001", "at most 9 decimal places"},
		{"4.01", "only 4 CPUs"},
		{"100", "only 4 CPUs"},
	} {
		_, _, err := parseCPUs(tc.in, 4)
		wantErr(t, err, "cgroups: invalid --cpus", tc.want)
	}
	// The exported one uses this machine's CPU count.
	if q, p, err := ParseCPUs("0.5"); err != nil || q != 50000 || p != DefaultCPUPeriod {
		t.Errorf("ParseCPUs(0.5) = %d, %d, %v", q, p, err)
	}
}
