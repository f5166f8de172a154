package rootfs

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenRoot(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "file", "", 0o644)
	for p, want := range map[string]string{
		filepath.Join(dir, "missing"): "no such directory",
		filepath.Join(dir, "file"):    "not a directory",
	} {
		if _, err := OpenRoot(p); err == nil || err.Error() != "rootfs "+p+": "+want {
			t.Errorf("OpenRoot(%s) = %v, want %q", p, err, want)
		}
	}
}

func lookPathRoot(t *testing.T) (dir string, root int) {
	dir, root, rootPath := testRoot(t)
	const script = "#!/bin/sh\n"
	writeFile(t, rootPath, "bin/busybox", script, 0o755)
	symlink(t, rootPath, "bin/sh", "busybox")
	symlink(t, rootPath, "bin/ls", "/bin/busybox")
	writeFile(t, rootPath, "bin/data", "not a program", 0o644)
	if err := os.MkdirAll(filepath.Join(rootPath, "bin/dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	symlink(t, rootPath, "bin/dirlink", "/bin/dir")
	symlink(t, rootPath, "bin/dangling", "/nowhere")
	// The same name twice: not executable first in PATH, executable later.
	writeFile(t, rootPath, "usr/local/bin/tool", script, 0o644)
	writeFile(t, rootPath, "usr/bin/tool", script, 0o755)
	// Links to programs that exist on the host but not in the root.
	host, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "outside/hostprog", script, 0o755)
	symlink(t, rootPath, "bin/hostexe", host)
	symlink(t, rootPath, "bin/hostprog", filepath.Join(dir, "outside/hostprog"))
	symlink(t, rootPath, "bin/uphost", "../../outside/hostprog")
	return dir, root
}

func TestLookPath(t *testing.T) {
	_, root := lookPathRoot(t)
	for _, tc := range []struct{ name, path, want string }{
		{"/bin/busybox", "", "/bin/busybox"},
		{"/bin/sh", "", "/bin/sh"}, // a link is returned as named
		{"sh", "/usr/local/bin:/bin", "/bin/sh"},
		{"ls", "/sbin:/bin", "/bin/ls"},
		{"busybox", "/nonexistent:/bin/data:/bin", "/bin/busybox"},
		// A later executable match wins over an earlier non-executable one...
		{"tool", "/usr/local/bin:/usr/bin", "/usr/bin/tool"},
		// ...and an executable one stays first.
		{"tool", "/usr/bin:/usr/local/bin", "/usr/bin/tool"},
	} {
		got, err := LookPath(root, tc.name, tc.path, "/")
		if err != nil || got != tc.want {
			t.Errorf("LookPath(%q, PATH %q) = %q, %v; want %q", tc.name, tc.path, got, err, tc.want)
		}
	}
}

func TestLookPathErrors(t *testing.T) {
	_, root := lookPathRoot(t)
	for _, tc := range []struct {
		name, path string
		want       error
	}{
		{"", "/bin", ErrCommandNotFound},
		{"/bin/missing", "", ErrCommandNotFound},
		{"missing", "/bin:/usr/bin", ErrCommandNotFound},
		{"/bin/dangling", "", ErrCommandNotFound},
		{"/bin/busybox/x", "", ErrCommandNotFound},
		{"/bin/data", "", ErrNotExecutable},
		{"data", "/bin", ErrNotExecutable},
		{"/bin/dir", "", ErrNotExecutable},
		{"dir", "/bin", ErrNotExecutable},
		{"/bin/dirlink", "", ErrNotExecutable},
		{"tool", "/usr/local/bin", ErrNotExecutable},
		// The non-executable match is reported even when a later PATH
		// entry does not have the name at all.
		{"tool", "/usr/local/bin:/bin", ErrNotExecutable},
		// Links to programs outside the root are not found in it.
		{"/bin/hostexe", "", ErrCommandNotFound},
		{"hostprog", "/bin", ErrCommandNotFound},
		{"/bin/uphost", "", ErrCommandNotFound},
	} {
		got, err := LookPath(root, tc.name, tc.path, "/")
		if !errors.Is(err, tc.want) {
			t.Errorf("LookPath(%q, PATH %q) = %q, %v; want %v", tc.name, tc.path, got, err, tc.want)
		}
		if got != "" && tc.name != "" && tc.name[0] != '/' {
			t.Errorf("LookPath(%q) failed but returned the path %q", tc.name, got)
		}
	}
	// The two errors are distinct: the CLI maps them to 127 and 126.
	if _, err := LookPath(root, "/bin/data", "", "/"); errors.Is(err, ErrCommandNotFound) {
		t.Errorf("a non-executable file is also 'not found': %v", err)
	}
}

// A relative command counts from the working directory, as execve will.
func TestLookPathRelativeToWorkdir(t *testing.T) {
	_, root, rootPath := testRoot(t)
	if err := os.MkdirAll(filepath.Join(rootPath, "app"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rootPath, "app/run.sh"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if got, err := LookPath(root, "./run.sh", "/bin", "/app"); err != nil || got != "./run.sh" {
		t.Errorf("LookPath(./run.sh) in /app = %q, %v", got, err)
	}
	if _, err := LookPath(root, "./run.sh", "/bin", "/"); !errors.Is(err, ErrCommandNotFound) {
		t.Errorf("LookPath(./run.sh) in / = %v, want not found", err)
	}
	if got, err := LookPath(root, "run.sh", ".", "/app"); err != nil || got != "./run.sh" {
		t.Errorf("LookPath(run.sh) with PATH=. in /app = %q, %v", got, err)
	}
}
