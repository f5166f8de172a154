package cgroups

import (
	"testing"

	"golang.org/x/sys/unix"
)

func fakeStatfs(types map[string]int64) func(string, *unix.Statfs_t) error {
	return func(p string, st *unix.Statfs_t) error {
		t, ok := types[p]
		if !ok {
			return unix.ENOENT
		}
		if t < 0 {
			return unix.EACCES
		}
		st.Type = t
		return nil
	}
}

func TestDetectMode(t *testing.T) {
	const ext4 = 0xef53
	for _, tc := range []struct {
		name  string
		types map[string]int64
		want  Mode
		err   string
	}{
		{"pure v2", map[string]int64{"/c": unix.CGROUP2_SUPER_MAGIC}, Unified, ""},
		{"hybrid", map[string]int64{"/c": unix.TMPFS_MAGIC, "/c/unified": unix.CGROUP2_SUPER_MAGIC}, Hybrid, ""},
		{"legacy", map[string]int64{"/c": unix.TMPFS_MAGIC}, Legacy, ""},
		{"legacy, empty unified dir", map[string]int64{"/c": unix.TMPFS_MAGIC, "/c/unified": unix.TMPFS_MAGIC}, Legacy, ""},
		{"one v1 hierarchy on the mount", map[string]int64{"/c": unix.CGROUP_SUPER_MAGIC}, Legacy, ""},
		{"not mounted", map[string]int64{"/c": ext4}, 0, "is neither cgroup2 nor a tmpfs"},
		{"missing", map[string]int64{}, 0, "statfs /c: no such file or directory"},
		{"unified unreadable", map[string]int64{"/c": unix.TMPFS_MAGIC, "/c/unified": -1}, 0, "statfs /c/unified: permission denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := detectMode("/c", fakeStatfs(tc.types))
			if tc.err != "" {
				wantErr(t, err, "cgroups: detect mode", tc.err)
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("got %v, %v; want %v", got, err, tc.want)
			}
		})
	}
}

func TestModeString(t *testing.T) {
	for m, s := range map[Mode]string{Legacy: "legacy", Hybrid: "hybrid", Unified: "unified", 0: "unknown(0)"} {
		if m.String() != s {
			t.Errorf("%d.String() = %q, want %q", int(m), m.String(), s)
		}
	}
	if !Unified.IsV2() || Hybrid.IsV2() || Legacy.IsV2() {
		t.Error("IsV2")
	}
}
