package tests

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue 10, point 3: the mount namespace is not mandatory. config-linux.md:
// a namespace type that is not listed is inherited from the runtime, and
// a path means the runtime joins that namespace. Without a mount namespace
// of its own the container's root is used as it is (runc chroots into it).
//
// NEVER on the host's mount namespace: a runtime that got this wrong would
// mount over the host's tree (runc makes "/" rslave and binds the rootfs
// onto itself there, which breaks CLONE_NEWUSER machine-wide). Every
// runtime call here runs in a throwaway `unshare -m --propagation private`
// namespace, and the script first checks that it really is another mount
// namespace than the test's; if not, it exits before the runtime runs.

const notThrowaway = 99

// inThrowawayMountNS runs script with sh in a new private mount namespace,
// after checking that it is not the test's own: the test fails without
// running the script otherwise. args are $1, $2...
func inThrowawayMountNS(t *testing.T, script string, args ...string) (string, int) {
	t.Helper()
	guard := fmt.Sprintf(`[ "$(readlink /proc/self/ns/mnt)" != "$MYC_TEST_MNTNS" ] || { echo "still in the test's mount namespace $MYC_TEST_MNTNS" >&2; exit %d; }
`, notThrowaway)
	// A hang is a failure, not a timing assertion.
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "unshare", append([]string{"-m", "--propagation", "private", "sh", "-c", guard + script, "sh"}, args...)...)
	cmd.Env = append(os.Environ(), "MYC_TEST_MNTNS="+mntNS(t, "self"))
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("unshare: %v", err)
		}
		code = ee.ExitCode()
	}
	if ctx.Err() != nil {
		t.Fatalf("still running after 2 minutes: killed: %s", out)
	}
	if code == notThrowaway {
		t.Fatalf("the throwaway mount namespace is the test's own: nothing was run: %s", out)
	}
	return string(out), code
}

// mntNS is the mount namespace of /proc/PID ("self" for the test).
func mntNS(t *testing.T, pid string) string {
	t.Helper()
	ns, err := os.Readlink("/proc/" + pid + "/ns/mnt")
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// containerScript writes what the command sees of its root to its stdout
// (never into its root: if it were not chroot'ed, that would be the
// host's): the marker the test put there, what the joined namespace
// mounted on /mnt (if anything), and the names under /.
const containerScript = `echo seen: $(cat /marker /mnt/j 2>/dev/null); ls /; echo end; exec sleep 1000`

// noMountNSConfig is a config written from config.md and config-linux.md:
// the REQUIRED fields, the namespaces given, no mounts, and a
// createContainer hook.
func noMountNSConfig(t *testing.T, rootfs, cgroupsPath, namespaces, hookScript string) string {
	t.Helper()
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{
  "ociVersion": "1.0.2",
  "root": {"path": %q},
  "process": {
    "cwd": "/",
    "args": ["sh", "-c", %q],
    "env": ["PATH=/bin"],
    "user": {"uid": 0, "gid": 0}
  },
  "hooks": {"createContainer": [{"path": "/bin/sh", "args": ["sh", "-c", %q]}]},
  "linux": {
    "cgroupsPath": %q,
    "namespaces": [%s]
  }
}`, rootfs, containerScript, hookScript, cgroupsPath, namespaces)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// lifecycleScript: create, record what the test checks, start, wait for
// the command's report, exec into it (one command, one detached sleep;
// each from yet another mount namespace, so that only joining init's puts
// the process there), delete. The mount table of the throwaway namespace is written before
// create, while the container lives and after delete.
const lifecycleScript = `M=$1 R=$2 B=$3 D=$4 ROOT=$5
cat /proc/self/mountinfo > "$D/mounts-before"
readlink /proc/self/ns/mnt > "$D/runtime-mnt"
"$M" --root "$R" create --bundle "$B" ctr </dev/null >"$D/create.out" 2>&1 || { cat "$D/create.out"; exit 10; }
pid=$("$M" --root "$R" state ctr | tr ',' '\n' | sed -n 's/^ *"pid": *//p')
echo "$pid" > "$D/init-pid"
readlink /proc/$pid/ns/mnt > "$D/init-mnt"
readlink /proc/$pid/root > "$D/init-root"
"$M" --root "$R" start ctr || exit 11
i=0; while ! grep -q '^end$' "$D/create.out" && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
unshare -m --propagation private "$M" --root "$R" exec ctr cat /marker > "$D/exec.out" 2>&1 || { cat "$D/exec.out"; exit 12; }
unshare -m --propagation private "$M" --root "$R" exec -d --pid-file "$D/exec.pid" ctr sleep 1000 || exit 13
epid=$(cat "$D/exec.pid")
readlink /proc/$epid/ns/mnt > "$D/exec-mnt"
readlink /proc/$epid/root > "$D/exec-root"
cat /proc/self/mountinfo > "$D/mounts-running"
"$M" --root "$R" delete --force ctr || exit 14
cat /proc/self/mountinfo > "$D/mounts-after"
"$M" --root "$R" list -q > "$D/list-after"
`

// containerWorld is what a lifecycle run left in its scratch directory.
type containerWorld struct{ dir string }

func (w containerWorld) read(t *testing.T, name string) string {
	t.Helper()
	return trimmedFile(t, filepath.Join(w.dir, name))
}

func trimmedFile(t *testing.T, path string) string {
	t.Helper()
	return strings.TrimSpace(readFile(t, path))
}

// checkLifecycle checks what every run without a mount namespace of its
// own must show: the root it was given, used as it is, in mountNS (for
// init and an exec'd process); a mount table of the throwaway namespace
// that no step changed; and nothing left after delete.
func checkLifecycle(t *testing.T, w containerWorld, rootfs, mountNS, wantSeen, cgroupsPath string) {
	t.Helper()
	if got := w.read(t, "init-mnt"); got != mountNS {
		t.Errorf("init's mount namespace is %s, want %s", got, mountNS)
	}
	if got := w.read(t, "exec-mnt"); got != mountNS {
		t.Errorf("the exec'd process's mount namespace is %s, want %s", got, mountNS)
	}
	for _, f := range []string{"init-root", "exec-root"} {
		if got := w.read(t, f); got != rootfs {
			t.Errorf("%s: the process's root is %s, want the rootfs %s", f, got, rootfs)
		}
	}
	report := strings.Split(w.read(t, "create.out"), "\n")
	if report[0] != "seen: "+wantSeen {
		t.Errorf("the command saw %q in its root, want %q", report[0], wantSeen)
	}
	if !slices.Contains(report, "marker") {
		t.Errorf("/ in the container is not the rootfs: %q", report)
	}
	if got := w.read(t, "exec.out"); got != "given rootfs" {
		t.Errorf("exec saw %q in its /marker, want the rootfs's", got)
	}
	before := w.read(t, "mounts-before")
	for _, f := range []string{"mounts-running", "mounts-after"} {
		if got := w.read(t, f); got != before {
			t.Errorf("the mount table of the namespace the runtime ran in changed (%s):\nbefore:\n%s\nthen:\n%s", f, before, got)
		}
	}
	if got := w.read(t, "list-after"); got != "" {
		t.Errorf("containers left after delete: %q", got)
	}
	pid := w.read(t, "init-pid")
	if _, err := os.Stat("/proc/" + pid); err == nil {
		if cmd, _ := os.ReadFile("/proc/" + pid + "/cmdline"); strings.Contains(string(cmd), "sleep") {
			t.Errorf("init %s still runs after delete", pid)
		}
	}
	if left, _ := filepath.Glob("/sys/fs/cgroup/*" + cgroupsPath); len(left) > 0 {
		t.Errorf("cgroups left after delete: %v", left)
	}
	if left, _ := filepath.Glob("/sys/fs/cgroup" + cgroupsPath); len(left) > 0 {
		t.Errorf("cgroups left after delete: %v", left)
	}
}

// noHostMounts fails if the host's mount table names path.
func noHostMounts(t *testing.T, path string) {
	t.Helper()
	for _, l := range mountinfo(t) {
		if strings.Contains(l, path) {
			t.Errorf("a mount of the test reached the host: %s", l)
		}
	}
}

// No "mount" entry: the container shares the runtime's mount namespace
// (here the throwaway one) and lives chroot'ed in the rootfs as it is;
// the createContainer hook runs before the chroot and sees the root at
// its host path. Nothing is mounted anywhere.
func TestSpecNoMountNamespace(t *testing.T) {
	e := newOCIEnv(t)
	if err := os.WriteFile(filepath.Join(e.rootfs, "marker"), []byte("given rootfs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	scratch := t.TempDir()
	cg := "/" + e.parent + "/ctr"
	hook := fmt.Sprintf(`cat %s/marker > %s/hook-saw && readlink /proc/self/ns/mnt > %s/hook-mnt`, e.rootfs, scratch, scratch)
	b := noMountNSConfig(t, e.rootfs, cg, `{"type": "pid"}, {"type": "ipc"}, {"type": "uts"}`, hook)
	out, code := inThrowawayMountNS(t, lifecycleScript, binary, e.root, b, scratch, e.rootfs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	w := containerWorld{scratch}
	runtimeNS := w.read(t, "runtime-mnt")
	if runtimeNS == mntNS(t, "self") {
		t.Fatal("the runtime ran in the test's mount namespace")
	}
	checkLifecycle(t, w, e.rootfs, runtimeNS, "given rootfs", cg)
	if got := w.read(t, "hook-saw"); got != "given rootfs" {
		t.Errorf("the createContainer hook saw %q at the rootfs's host path", got)
	}
	if got := w.read(t, "hook-mnt"); got != runtimeNS {
		t.Errorf("the createContainer hook ran in mount namespace %s, want the container's %s", got, runtimeNS)
	}
	noHostMounts(t, e.rootfs)
}

// A "mount" entry with a path: the runtime joins that namespace (held
// here by a sleeping process of the test's, with a tmpfs on the rootfs's
// /mnt that exists only there) and the container uses the root as it is
// there, chroot'ed. The joined namespace's mount table does not change.
func TestSpecJoinMountNamespace(t *testing.T) {
	e := newOCIEnv(t)
	if err := os.WriteFile(filepath.Join(e.rootfs, "marker"), []byte("given rootfs\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(e.rootfs, "mnt"), 0o755); err != nil {
		t.Fatal(err)
	}
	holder := holdMountNamespace(t, e.rootfs)
	hns := mntNS(t, holder)
	if hns == mntNS(t, "self") {
		t.Fatal("the namespace to join is the test's own")
	}
	holderMounts := trimmedFile(t, "/proc/"+holder+"/mountinfo")
	scratch := t.TempDir()
	cg := "/" + e.parent + "/ctr"
	hook := fmt.Sprintf(`cat %s/mnt/j > %s/hook-saw && readlink /proc/self/ns/mnt > %s/hook-mnt`, e.rootfs, scratch, scratch)
	b := noMountNSConfig(t, e.rootfs, cg,
		fmt.Sprintf(`{"type": "pid"}, {"type": "mount", "path": "/proc/%s/ns/mnt"}, {"type": "uts"}`, holder), hook)
	out, code := inThrowawayMountNS(t, lifecycleScript, binary, e.root, b, scratch, e.rootfs)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	w := containerWorld{scratch}
	if w.read(t, "runtime-mnt") == hns {
		t.Fatal("the runtime ran in the namespace to join")
	}
	checkLifecycle(t, w, e.rootfs, hns, "given rootfs joined", cg)
	if got := w.read(t, "hook-saw"); got != "joined" {
		t.Errorf("the createContainer hook saw %q under the rootfs's host path, want the joined namespace's tmpfs", got)
	}
	if got := w.read(t, "hook-mnt"); got != hns {
		t.Errorf("the createContainer hook ran in mount namespace %s, want the joined %s", got, hns)
	}
	if got := trimmedFile(t, "/proc/"+holder+"/mountinfo"); got != holderMounts {
		t.Errorf("the joined namespace's mount table changed:\nbefore:\n%s\nafter:\n%s", holderMounts, got)
	}
	noHostMounts(t, e.rootfs)
}

// holdMountNamespace starts a process in a new private mount namespace
// with a tmpfs on rootfs/mnt holding the file j ("joined"), and returns
// its PID. It is killed, by its PID, when the test ends.
func holdMountNamespace(t *testing.T, rootfs string) string {
	t.Helper()
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
		`mount -t tmpfs joined "$1/mnt" && echo joined > "$1/mnt/j" && echo ready && exec sleep 1000`, "sh", rootfs)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	buf := make([]byte, 16)
	n, _ := stdout.Read(buf)
	if strings.TrimSpace(string(buf[:n])) != "ready" {
		t.Fatalf("the namespace holder did not start: %q", buf[:n])
	}
	return fmt.Sprint(cmd.Process.Pid)
}

// Bad input for a container without a mount namespace of its own: one
// line naming the field, the exit code of a failed create (1, as runc),
// and nothing left: no state, no cgroup, no mount in the namespace the
// runtime ran in.
func TestSpecNoMountNamespaceBadInput(t *testing.T) {
	e := newOCIEnv(t)
	cases := []struct{ name, top, root, linux, want string }{
		{"mounts", `"mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],`, "", "", "mounts: needs a mount namespace of the container's own"},
		{"readonly root", "", `, "readonly": true`, "", "root.readonly: needs a mount namespace"},
		{"masked paths", "", "", `"maskedPaths": ["/etc"],`, "linux.maskedPaths: needs a mount namespace"},
		{"devices", "", "", `"devices": [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3}],`, "linux.devices: needs a mount namespace"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			badMountNSCreate(t, e, badConfig{namespaces: `{"type": "pid"}`, top: c.top, root: c.root, linux: c.linux}, c.want)
		})
	}
}

// A "mount" entry whose path is not a mount namespace: one line, the
// exit code of a failed create, nothing left.
func TestSpecJoinMountNamespaceBadInput(t *testing.T) {
	e := newOCIEnv(t)
	file := filepath.Join(t.TempDir(), "not-a-namespace")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct{ name, path, top, want string }{
		{"regular file", file, "", "not a namespace file: it is a regular file"},
		{"fifo", fifo, "", "not a namespace file: it is a FIFO"},
		{"network namespace", "/proc/self/ns/net", "", "wrong type: it is a network namespace"},
		{"missing", filepath.Join(t.TempDir(), "nothing"), "", "no such file or directory"},
		// A joined namespace is shared too: nothing is mounted in it.
		{"mounts", "/proc/self/ns/mnt", `"mounts": [{"destination": "/tmp", "type": "tmpfs", "source": "tmpfs"}],`, "mounts: needs a mount namespace of the container's own"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			badMountNSCreate(t, e, badConfig{namespaces: fmt.Sprintf(`{"type": "pid"}, {"type": "mount", "path": %q}`, c.path), top: c.top}, c.want)
		})
	}
}

// badConfig: the parts of a bad config a case changes (JSON fragments).
type badConfig struct{ namespaces, top, root, linux string }

func badMountNSCreate(t *testing.T, e *ociEnv, c badConfig, want string) {
	t.Helper()
	dir := t.TempDir()
	cg := "/" + e.parent + "/bad"
	cfg := fmt.Sprintf(`{
  "ociVersion": "1.0.2",
  "root": {"path": %q%s},
  "process": {"cwd": "/", "args": ["true"], "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}},
  %s
  "linux": {%s "cgroupsPath": %q, "namespaces": [%s]}
}`, e.rootfs, c.root, c.top, c.linux, cg, c.namespaces)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	scratch := t.TempDir()
	script := `M=$1 R=$2 B=$3 D=$4
cat /proc/self/mountinfo > "$D/before"
"$M" --root "$R" create --bundle "$B" bad </dev/null >"$D/out" 2>"$D/err"
echo $? > "$D/code"
cat /proc/self/mountinfo > "$D/after"
"$M" --root "$R" list -q > "$D/list"
`
	out, code := inThrowawayMountNS(t, script, binary, e.root, dir, scratch)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, out)
	}
	w := containerWorld{scratch}
	stderr := w.read(t, "err")
	if got := w.read(t, "code"); got != "1" {
		t.Errorf("create exited %s, want 1 (a failed create, as runc): %s", got, stderr)
	}
	if strings.Count(stderr, "\n") != 0 || !strings.Contains(stderr, want) {
		t.Errorf("stderr %q: want one line containing %q", stderr, want)
	}
	if w.read(t, "before") != w.read(t, "after") {
		t.Error("the mount table of the namespace the runtime ran in changed")
	}
	if got := w.read(t, "list"); got != "" {
		t.Errorf("containers left: %q", got)
	}
	if left, _ := filepath.Glob("/sys/fs/cgroup/*" + cg); len(left) > 0 {
		t.Errorf("cgroups left: %v", left)
	}
}

// A create SIGKILLed while init waits before its chroot (a createContainer
// hook runs; init holds the runtime's /proc and the exec fifo): init and
// the hook die with it, and delete --force leaves no state and no cgroup.
func TestSpecNoMountNamespaceKilledCreate(t *testing.T) {
	e := newOCIEnv(t)
	m := marker()
	cg := "/" + e.parent + "/killed"
	dir := t.TempDir()
	cfg := fmt.Sprintf(`{
  "ociVersion": "1.0.2",
  "root": {"path": %q},
  "process": {"cwd": "/", "args": ["true"], "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0}},
  "hooks": {"createContainer": [{"path": "/bin/sleep", "args": ["sleep", "3%s"]}]},
  "linux": {"cgroupsPath": %q, "namespaces": [{"type": "pid"}, {"type": "uts"}]}
}`, e.rootfs, m, cg)
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	// unshare and sh exec: the PID started is the runtime's.
	cmd := exec.Command("unshare", "-m", "--propagation", "private", "sh", "-c",
		fmt.Sprintf(`[ "$(readlink /proc/self/ns/mnt)" != "$MYC_TEST_MNTNS" ] || exit %d
exec "$1" --root "$2" create --bundle "$3" killed`, notThrowaway), "sh", binary, e.root, dir)
	cmd.Env = append(os.Environ(), "MYC_TEST_MNTNS="+mntNS(t, "self"))
	killWhileHookRuns(t, cmd, m)
	waitFor(t, "init and its hook to die with create", func() bool {
		return len(processesWith(m)) == 0 && len(processesInCgroup(e.parent)) == 0
	})
	if o, code := inThrowawayMountNS(t, `"$1" --root "$2" delete --force killed && "$1" --root "$2" list -q`, binary, e.root); code != 0 || strings.TrimSpace(o) != "" {
		t.Errorf("delete --force, then list: exit %d: %q", code, o)
	}
	if d := childCgroups(t, e.parent); len(d) != 0 {
		t.Errorf("cgroups left: %v", d)
	}
	noHostMounts(t, e.rootfs)
}
