// Command selftest checks, from inside the tests/vm guest, that the VM gives
// what the cgroup v2 tests need: a pure cgroup2 hierarchy with the memory,
// pids, cpu, cpuset and io controllers, writable limits, the overlay and veth
// modules, and /etc/passwd. It prints one line per check, then PASS or FAIL,
// and exits 0 or 1.
//
// It is built twice by tests/vm/selftest.sh: CGO_ENABLED=0, and as a static
// cgo binary run with -want-cgo, which also proves that cgo code runs.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
)

const (
	cgroupRoot   = "/sys/fs/cgroup"
	cgroup2Magic = 0x63677270
	testCgroup   = cgroupRoot + "/t"
)

var failed bool

func check(name string, err error) {
	if err != nil {
		failed = true
		fmt.Printf("FAIL %s: %v\n", name, err)
		return
	}
	fmt.Printf("ok   %s\n", name)
}

func main() {
	wantCgo := flag.Bool("want-cgo", false, "fail unless built with cgo")
	flag.Parse()

	check("cgo", checkCgo(*wantCgo))
	check("working directory is /mnt/files", checkCwd())
	check("/sys/fs/cgroup is cgroup2", checkMagic())
	check("cgroup.controllers has memory pids cpu cpuset io", checkControllers())
	check("create, limit and remove a cgroup", checkCgroup())
	check("overlay filesystem available", checkOverlay())
	check("veth module loaded", checkVeth())
	check("user.Current is root", checkUser())

	if failed {
		fmt.Println("FAIL")
		os.Exit(1)
	}
	fmt.Println("PASS")
}

func checkCgo(want bool) error {
	if !want {
		return nil
	}
	if !cgoEnabled {
		return fmt.Errorf("binary was built without cgo")
	}
	if pid := cgoGetpid(); pid != os.Getpid() {
		return fmt.Errorf("C getpid() = %d, os.Getpid() = %d", pid, os.Getpid())
	}
	return nil
}

func checkCwd() error {
	wd, err := os.Getwd()
	if err != nil {
		return err
	}
	if wd != "/mnt/files" {
		return fmt.Errorf("cwd is %s", wd)
	}
	return nil
}

func checkMagic() error {
	var st syscall.Statfs_t
	if err := syscall.Statfs(cgroupRoot, &st); err != nil {
		return err
	}
	if st.Type != cgroup2Magic {
		return fmt.Errorf("statfs type %#x, want %#x", st.Type, cgroup2Magic)
	}
	return nil
}

func checkControllers() error {
	b, err := os.ReadFile(filepath.Join(cgroupRoot, "cgroup.controllers"))
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, c := range strings.Fields(string(b)) {
		have[c] = true
	}
	var missing []string
	for _, c := range []string{"memory", "pids", "cpu", "cpuset", "io"} {
		if !have[c] {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("missing %v in %q", missing, strings.TrimSpace(string(b)))
	}
	return nil
}

func checkCgroup() (err error) {
	if err := os.Mkdir(testCgroup, 0o755); err != nil {
		return err
	}
	defer func() {
		if rerr := os.Remove(testCgroup); rerr != nil && err == nil {
			err = fmt.Errorf("rmdir: %w", rerr)
		}
		if _, serr := os.Stat(testCgroup); err == nil && !os.IsNotExist(serr) {
			err = fmt.Errorf("%s still exists after rmdir", testCgroup)
		}
	}()
	if err := os.WriteFile(filepath.Join(cgroupRoot, "cgroup.subtree_control"), []byte("+memory +pids"), 0); err != nil {
		return fmt.Errorf("enable +memory +pids: %w", err)
	}
	for file, value := range map[string]string{
		"memory.max": "33554432",
		"pids.max":   "20",
	} {
		path := filepath.Join(testCgroup, file)
		if err := os.WriteFile(path, []byte(value), 0); err != nil {
			return fmt.Errorf("write %s: %w", file, err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.TrimSpace(string(got)) != value {
			return fmt.Errorf("%s reads %q after writing %q", file, got, value)
		}
	}
	return nil
}

func checkOverlay() error {
	b, err := os.ReadFile("/proc/filesystems")
	if err != nil {
		return err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[len(f)-1] == "overlay" {
			return nil
		}
	}
	return fmt.Errorf("no overlay in /proc/filesystems")
}

func checkVeth() error {
	_, err := os.Stat("/sys/module/veth")
	return err
}

func checkUser() error {
	u, err := user.Current()
	if err != nil {
		return err
	}
	if u.Username != "root" || u.HomeDir != "/root" {
		return fmt.Errorf("got %q home %q", u.Username, u.HomeDir)
	}
	return nil
}
