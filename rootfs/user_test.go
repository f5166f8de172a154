package rootfs

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

const (
	testPasswd = `# comment
root:x:0:0:root:/root:/bin/sh
alice:x:1000:1000:Alice:/home/alice:/bin/sh
bob:x:1001:100:Bob:/home/bob:/bin/sh
short:x:1002
bad:x:notanumber:0::/bad:/bin/sh

nobody:x:65534:65534:nobody:/nonexistent:/bin/false
`
	testGroup = `root:x:0:
users:x:100:
alice:x:1000:
staff:x:50:alice,bob
wheel:x:10:bob
audio:x:63:carol,alice
nogroup:x:65534:
`
)

func userRoot(t *testing.T) (int, string) {
	_, root, rootPath := testRoot(t)
	writeFile(t, rootPath, "etc/passwd", testPasswd, 0o644)
	writeFile(t, rootPath, "etc/group", testGroup, 0o644)
	return root, rootPath
}

func TestLookupUser(t *testing.T) {
	root, _ := userRoot(t)
	for _, tc := range []struct {
		spec string
		want User
	}{
		{"", User{0, 0, []uint32{0}, "/root"}},
		{"0", User{0, 0, []uint32{0}, "/root"}},
		{"root", User{0, 0, []uint32{0}, "/root"}},
		{"alice", User{1000, 1000, []uint32{1000, 50, 63}, "/home/alice"}},
		{"1000", User{1000, 1000, []uint32{1000, 50, 63}, "/home/alice"}},
		{"bob", User{1001, 100, []uint32{100, 50, 10}, "/home/bob"}},
		// USER:GROUP sets the group and no supplementary groups.
		{"alice:staff", User{1000, 50, nil, "/home/alice"}},
		{"alice:7", User{1000, 7, nil, "/home/alice"}},
		{"1000:1000", User{1000, 1000, nil, "/home/alice"}},
		{"1001:wheel", User{1001, 10, nil, "/home/bob"}},
		// A numeric id needs no entry.
		{"4242", User{4242, 0, []uint32{0}, "/"}},
		{"4242:4243", User{4242, 4243, nil, "/"}},
		{"4242:nogroup", User{4242, 65534, nil, "/"}},
		{"nobody", User{65534, 65534, []uint32{65534}, "/nonexistent"}},
	} {
		got, err := LookupUser(root, tc.spec)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("LookupUser(%q) = %+v, %v; want %+v", tc.spec, got, err, tc.want)
		}
	}
}

func TestLookupUserErrors(t *testing.T) {
	root, _ := userRoot(t)
	for spec, want := range map[string]string{
		"carol":        `user "carol": no such user`,
		"short":        `user "short": no such user`, // a line with too few fields
		"bad":          `user "bad": no such user`,   // a line with a bad uid
		"alice:nogrp":  `group "nogrp": no such group`,
		"4242:nogrp":   `group "nogrp": no such group`,
		"4294967295":   `user "4294967295": no such user`, // (uid_t)-1 is no uid
		":100":         "want USER[:GROUP]",
		"alice:":       "want USER[:GROUP]",
		"1000:100:100": `group "100:100": no such group`,
	} {
		got, err := LookupUser(root, spec)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("LookupUser(%q) = %+v, %v; want an error with %q", spec, got, err, want)
		}
	}
}

// With no /etc/passwd or /etc/group numeric ids still work, names do not.
func TestLookupUserNoDatabase(t *testing.T) {
	_, root, _ := testRoot(t)
	for spec, want := range map[string]User{
		"0":         {0, 0, []uint32{0}, "/root"},
		"1000":      {1000, 0, []uint32{0}, "/"},
		"1000:2000": {1000, 2000, nil, "/"},
	} {
		got, err := LookupUser(root, spec)
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("LookupUser(%q) = %+v, %v; want %+v", spec, got, err, want)
		}
	}
	for _, spec := range []string{"root", "0:root"} {
		if u, err := LookupUser(root, spec); err == nil {
			t.Errorf("LookupUser(%q) without /etc/passwd = %+v", spec, u)
		}
	}
}

// A rootfs whose /etc/passwd and /etc/group are symlinks to the host's
// files must be read through the root: the host's entries never count.
func TestLookupUserSymlinkedDatabase(t *testing.T) {
	dir, root, rootPath := testRoot(t)
	hostPasswd := filepath.Join(dir, "outside/passwd")
	hostGroup := filepath.Join(dir, "outside/group")
	writeFile(t, dir, "outside/passwd", "evil:x:0:0::/host:/bin/sh\nalice:x:0:0::/host:/bin/sh\n", 0o644)
	writeFile(t, dir, "outside/group", "evil:x:0:alice\n", 0o644)
	symlink(t, rootPath, "etc/passwd", hostPasswd)
	symlink(t, rootPath, "etc/group", "../../../../../../../.."+hostGroup)

	// Nothing at the links' targets inside the root: no database at all.
	if u, err := LookupUser(root, "evil"); err == nil {
		t.Errorf("LookupUser(evil) read the host's passwd: %+v", u)
	}
	if u, err := LookupUser(root, "1000:evil"); err == nil {
		t.Errorf("LookupUser(1000:evil) read the host's group: %+v", u)
	}

	// The in-root resolution of the links is what counts.
	writeFile(t, rootPath, hostPasswd, "alice:x:1000:1000::/home/alice:/bin/sh\n", 0o644)
	writeFile(t, rootPath, hostGroup, "staff:x:50:alice\n", 0o644)
	got, err := LookupUser(root, "alice")
	want := User{1000, 1000, []uint32{1000, 50}, "/home/alice"}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("LookupUser(alice) = %+v, %v; want %+v from the root's files", got, err, want)
	}
}
