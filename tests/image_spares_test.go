package tests

import (
	"path/filepath"
	"slices"
	"testing"
)

// A run whose container wrote nothing leaves its upper and work
// directories as a spare (containers/spare-N), which the next run takes
// instead of making its own. One that wrote a file, or only changed the
// root's mode, is removed as before: no container sees another's writes.
// prune removes the spares. Both ways of making the root (lowerdir+ and
// the lowerdir= string).
func TestImageSparesOnlyPristine(t *testing.T) {
	store, _ := importTestImage(t)
	eachOverlayPath(t, func(t *testing.T, _ string) { sparesOnlyPristine(t, store) })
}

func sparesOnlyPristine(t *testing.T, store string) {
	containers := filepath.Join(store, "containers")
	for i := 0; i < 3; i++ {
		if r := runImage(t, store, "l:t", "--", "true"); r.code != 0 {
			t.Fatalf("run: exit %d %s", r.code, r.stderr)
		}
		if got := dirNames(t, containers); !slices.Equal(got, []string{"spare-0"}) {
			t.Fatalf("run %d: want one spare, the same one taken and given back: %v", i, got)
		}
	}
	steps := []struct{ write, check, want string }{
		{"echo secret > /leak", "test -e /leak && echo leaked; cat /srv/top", "from the top layer\n"},
		{"chmod 700 /", "stat -c %a /", "755\n"},
		{"echo changed > /srv/top", "cat /srv/top", "from the top layer\n"},
	}
	for _, s := range steps {
		if r := runImage(t, store, "l:t", "--", "sh", "-c", s.write); r.code != 0 {
			t.Fatalf("%s: exit %d %s", s.write, r.code, r.stderr)
		}
		if got := dirNames(t, containers); len(got) != 0 {
			t.Errorf("after %q: the written upper directory was kept: %v", s.write, got)
		}
		if r := runImage(t, store, "l:t", "--", "sh", "-c", s.check); r.code != 0 || r.stdout != s.want {
			t.Errorf("after %q, the next container: exit %d %q, want %q %s", s.write, r.code, r.stdout, s.want, r.stderr)
		}
	}
	if got := dirNames(t, containers); !slices.Equal(got, []string{"spare-0"}) {
		t.Errorf("after the readers: %v", got)
	}
	if r := run(t, "image", "prune", "--storage", store); r.code != 0 || len(dirNames(t, containers)) != 0 {
		t.Errorf("prune: exit %d %s, left %v", r.code, r.stderr, dirNames(t, containers))
	}
}
