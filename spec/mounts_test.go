package spec

import (
	"slices"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// addMount appends a mount after the defaults, so the path is mounts[7].
func addMount(m specs.Mount) func(*specs.Spec) {
	return func(s *specs.Spec) { s.Mounts = append(s.Mounts, m) }
}

func TestMounts(t *testing.T) {
	runCases(t, []fieldCase{
		{"bind", addMount(specs.Mount{Destination: "/data", Type: "bind", Source: "/srv/data", Options: []string{"rbind", "ro", "rprivate"}}), "", ""},
		{"bind by option", addMount(specs.Mount{Destination: "/data", Source: "/srv/data", Options: []string{"bind"}}), "", ""},
		{"bind type none", addMount(specs.Mount{Destination: "/data", Type: "none", Source: "data", Options: []string{"rbind"}}), "", ""},
		{"tmpfs with data", addMount(specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs",
			Options: []string{"nosuid", "nodev", "mode=1777", "size=64m", "uid=0", "gid=0", "noatime", "nodiratime", "inode64"}}), "", ""},
		{"every flag", addMount(specs.Mount{Destination: "/x", Type: "tmpfs", Options: []string{
			"defaults", "rw", "ro", "suid", "nosuid", "dev", "nodev", "exec", "noexec",
			"atime", "noatime", "diratime", "nodiratime", "relatime", "norelatime", "strictatime", "nostrictatime",
			"private", "rprivate", "shared", "rshared", "slave", "rslave", "unbindable", "runbindable"}}), "", ""},
		{"podman tmpcopyup", addMount(specs.Mount{Destination: "/tmp", Type: "tmpfs", Source: "tmpfs",
			Options: []string{"rw", "rprivate", "nosuid", "nodev", "tmpcopyup"}}), "", ""},
		{"devpts", addMount(specs.Mount{Destination: "/dev/pts2", Type: "devpts", Options: []string{"newinstance", "ptmxmode=0666"}}), "", ""},

		{"destination missing", addMount(specs.Mount{Type: "tmpfs"}), "mounts[7].destination", "required"},
		{"destination relative", addMount(specs.Mount{Destination: "tmp", Type: "tmpfs"}), "mounts[7].destination", "absolute"},
		{"destination dotdot", addMount(specs.Mount{Destination: "/a/../../etc", Type: "tmpfs"}), "mounts[7].destination", `".."`},
		{"destination root", addMount(specs.Mount{Destination: "/", Type: "tmpfs"}), "mounts[7].destination", "cannot be /"},
		{"bind no source", addMount(specs.Mount{Destination: "/data", Type: "bind", Options: []string{"rbind"}}), "mounts[7].source", "bind mount"},
		{"no type", addMount(specs.Mount{Destination: "/data", Source: "x"}), "mounts[7].type", "required"},
		{"unknown option", addMount(specs.Mount{Destination: "/x", Type: "tmpfs", Options: []string{"nosuid", "bogus"}}),
			"mounts[7].options[1]", `"bogus" is not a known mount option`},
		{"superblock flag", addMount(specs.Mount{Destination: "/x", Type: "tmpfs", Options: []string{"sync"}}),
			"mounts[7].options[0]", `"sync" is not a known mount option`},
		{"empty option", addMount(specs.Mount{Destination: "/x", Type: "tmpfs", Options: []string{""}}), "mounts[7].options[0]", "empty"},
		{"comma option", addMount(specs.Mount{Destination: "/x", Type: "tmpfs", Options: []string{"mode=1777,uid=0"}}), "mounts[7].options[0]", "','"},
		// The kernel ignores data on a bind mount: accepted, as runc does.
		{"data on bind", addMount(specs.Mount{Destination: "/x", Type: "bind", Source: "/y", Options: []string{"rbind", "mode=755", "size=1k"}}), "", ""},
		{"unknown word on bind", addMount(specs.Mount{Destination: "/x", Type: "bind", Source: "/y", Options: []string{"rbind", "frobnicate"}}),
			"mounts[7].options[1]", "not a known mount option"},
		{"tmpcopyup on bind", addMount(specs.Mount{Destination: "/x", Type: "bind", Source: "/y", Options: []string{"bind", "tmpcopyup"}}),
			"mounts[7].options[1]", "only for a tmpfs"},
		{"rro", addMount(specs.Mount{Destination: "/x", Type: "bind", Source: "/y", Options: []string{"rbind", "rro", "rnosuid"}}), "", ""},
		{"rrw and rnoatime", addMount(specs.Mount{Destination: "/x", Type: "bind", Source: "/y", Options: []string{"rbind", "rrw", "rnoatime", "rsuid"}}), "", ""},
		{"idmap option", addMount(specs.Mount{Destination: "/x", Type: "bind", Source: "/y", Options: []string{"idmap"}}),
			"mounts[7].options[0]", "not supported"},
		{"engine option", addMount(specs.Mount{Destination: "/x", Type: "bind", Source: "/y", Options: []string{"bind", "Z"}}),
			"mounts[7].options[1]", "engine"},
		{"uidMappings", addMount(specs.Mount{Destination: "/x", Type: "bind", Source: "/y", Options: []string{"bind"},
			UIDMappings: []specs.LinuxIDMapping{{Size: 1}}}), "mounts[7].uidMappings", "not supported"},
		{"gidMappings", addMount(specs.Mount{Destination: "/x", Type: "bind", Source: "/y", Options: []string{"bind"},
			GIDMappings: []specs.LinuxIDMapping{{Size: 1}}}), "mounts[7].gidMappings", "not supported"},
	})
}

func TestParseMountOptions(t *testing.T) {
	o, err := ParseMountOptions(&specs.Mount{Type: "tmpfs", Options: []string{
		"rw", "ro", "nosuid", "exec", "noexec", "rprivate", "slave", "mode=755", "newinstance", "tmpcopyup"}})
	if err != nil {
		t.Fatal(err)
	}
	if o.Bind || o.Recursive {
		t.Error("tmpfs parsed as bind")
	}
	if want := uintptr(unix.MS_RDONLY | unix.MS_NOSUID | unix.MS_NOEXEC); o.Set != want {
		t.Errorf("Set = %#x, want %#x", o.Set, want)
	}
	if o.Clear != 0 {
		t.Errorf("Clear = %#x, want 0 (later options win)", o.Clear)
	}
	if want := []uintptr{unix.MS_PRIVATE | unix.MS_REC, unix.MS_SLAVE}; !slices.Equal(o.Propagation, want) {
		t.Errorf("Propagation = %#x, want %#x", o.Propagation, want)
	}
	if want := []string{"mode=755", "newinstance"}; !slices.Equal(o.Data, want) {
		t.Errorf("Data = %q, want %q", o.Data, want)
	}
	if !o.TmpCopyUp {
		t.Error("tmpcopyup lost")
	}

	o, err = ParseMountOptions(&specs.Mount{Type: "bind", Source: "/a", Options: []string{"rbind", "ro", "rw"}})
	if err != nil {
		t.Fatal(err)
	}
	if !o.Bind || !o.Recursive || o.Set != 0 || o.Clear != unix.MS_RDONLY {
		t.Errorf("rbind,ro,rw parsed as %+v", o)
	}

	_, err = ParseMountOptions(&specs.Mount{Type: "tmpfs", Options: []string{"nope"}})
	expectPath(t, err, "options[0]", "not a known mount option")
}

// The options a bind mount ignores are listed for the debug note.
func TestBindIgnoredOptions(t *testing.T) {
	o, err := ParseMountOptions(&specs.Mount{Type: "bind", Options: []string{"rbind", "mode=755", "ro", "size=1k"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(o.Ignored) != 2 || o.Ignored[0] != "mode=755" || o.Ignored[1] != "size=1k" || o.Data != nil {
		t.Errorf("ignored %q, data %q", o.Ignored, o.Data)
	}
}

// The recursive clearing forms undo their setting forms, the later
// option winning; the atime forms pick one mode, the last one.
func TestParseRecursiveMountOptions(t *testing.T) {
	o, err := ParseMountOptions(&specs.Mount{Type: "bind", Options: []string{
		"rbind", "rro", "rnosuid", "rsuid", "rrw", "rnodev", "rnoatime", "rnorelatime"}})
	if err != nil {
		t.Fatal(err)
	}
	if o.RecSet != unix.MS_NODEV || o.RecClear != unix.MS_RDONLY|unix.MS_NOSUID || o.RecAtime != unix.MS_STRICTATIME {
		t.Errorf("set %#x clear %#x atime %#x", o.RecSet, o.RecClear, o.RecAtime)
	}
}
