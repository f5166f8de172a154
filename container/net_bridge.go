package container

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"

	"mycontainer/netconf"
	"mycontainer/netrun"
	"mycontainer/rootfs"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// NetHelper is mycontainer-net, beside this binary (or
// $MYCONTAINER_NET_HELPER): the netlink and nftables code lives there, so
// this binary pays no package init for it on every start.
func NetHelper() (string, error) {
	if h := os.Getenv("MYCONTAINER_NET_HELPER"); h != "" {
		return h, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	h := filepath.Join(filepath.Dir(exe), "mycontainer-net")
	if _, err := os.Stat(h); err != nil {
		return "", fmt.Errorf("--net bridge and the network commands need mycontainer-net beside %s (make build makes it): %w", exe, err)
	}
	return h, nil
}

// netBridge is one container's --net bridge network, which the runtime
// holds itself (netrun): it leases the address before the spawn, wires
// the container when told init's PID, and tears it all down when the run
// ends. A runtime SIGKILLed on the way leaves a lease with a dead holder:
// the next run (or prune) reclaims it, rules, veth and all.
type netBridge struct {
	n   *netrun.Net
	IP  string
	Dir string // the container's resolv.conf, hosts and hostname
}

// startNetBridge leases the container's address.
func startNetBridge(hostname string, publish, dns []string, stderr io.Writer) (*netBridge, error) {
	h, err := NetHelper()
	if err != nil {
		return nil, err
	}
	o := netrun.Options{Hostname: hostname, Helper: netHelper{path: h, stderr: stderr}}
	for _, p := range publish {
		v, err := netconf.ParsePublish(p)
		if err != nil {
			return nil, err
		}
		o.Publish = append(o.Publish, v)
	}
	for _, d := range dns {
		a, err := netconf.ParseDNS(d)
		if err != nil {
			return nil, err
		}
		o.DNS = append(o.DNS, a)
	}
	n, err := netrun.Acquire(o)
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	return &netBridge{n: n, IP: n.Lease.IP.String(), Dir: netrun.FilesDir(n.Lease.IP)}, nil
}

// wire puts the container whose init is pid on the bridge and publishes
// its ports, before the command runs.
func (k *netBridge) wire(pid int) error {
	if err := k.n.Wire(pid); err != nil {
		return Errorf(ExitRuntime, "network: %w", err)
	}
	return nil
}

// close ends the lease, so nothing is left once the run returns.
func (k *netBridge) close(stderr io.Writer) {
	if err := k.n.Release(); err != nil {
		fmt.Fprintf(stderr, "mycontainer: warning: network teardown: %s (the next run or mycontainer network prune retries)\n", strings.ReplaceAll(err.Error(), "\n", "; "))
	}
}

// netHelper runs mycontainer-net for what the runtime leaves to it
// (netrun.Helper: making the bridge and the table), with the lock passed
// on as fd 3.
type netHelper struct {
	path   string
	stderr io.Writer
}

func (h netHelper) Prepare() error { return h.run("prepare") }

func (h netHelper) run(args ...string) error {
	lock := netrun.HeldLock()
	if lock < 0 {
		return fmt.Errorf("mycontainer-net %s: the network lock is not held", args[0])
	}
	// A duplicate: the lock belongs to the open file, which the helper
	// then holds too (a runtime SIGKILLed meanwhile does not free it
	// under the helper's feet).
	dup, err := unix.FcntlInt(uintptr(lock), unix.F_DUPFD_CLOEXEC, 3)
	if err != nil {
		return fmt.Errorf("mycontainer-net %s: pass the lock: %w", args[0], err)
	}
	f := os.NewFile(uintptr(dup), "lock")
	defer f.Close()
	cmd := exec.Command(h.path, append([]string{"locked"}, args...)...)
	cmd.ExtraFiles = []*os.File{f}
	// One P: the helper does one thing at a time, and with more the Go
	// scheduler wakes and spins idle threads around every netlink reply
	// (an interleaved A/B: 6 ms less CPU per start of the former keeper
	// process with GOMAXPROCS=1).
	cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	// Its own process group: a Ctrl-C at the terminal is the runtime's.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var errOut strings.Builder
	cmd.Stderr = &errOut
	if err := cmd.Run(); err != nil {
		if msg := strings.TrimSpace(errOut.String()); msg != "" {
			return errors.New(strings.TrimPrefix(strings.ReplaceAll(msg, "\n", "; "), "mycontainer: network: "))
		}
		return fmt.Errorf("%s locked %s: %w", h.path, args[0], err)
	}
	return nil
}

// mounts binds the lease's files over the container's: the rootfs's own
// stay as they are on disk. The targets are resolved inside the root, as
// every mount target is. On a root of the container's own (an overlay,
// whose upper directory is its), a missing target is made there; on a
// rootfs directory, whose files are the caller's, a file the rootfs does
// not have is left out rather than created in it.
func (k *netBridge) mounts(rootPath string, ownRoot bool) ([]specs.Mount, error) {
	root := -1
	if !ownRoot {
		var err error
		if root, err = rootfs.OpenRoot(rootPath); err != nil {
			return nil, err
		}
		defer unix.Close(root)
	}
	var m []specs.Mount
	for _, f := range []string{"resolv.conf", "hosts", "hostname"} {
		if root >= 0 {
			fd, err := rootfs.OpenInRoot(root, "etc/"+f, unix.O_PATH, false)
			if err == unix.ENOENT || err == unix.ELOOP {
				continue
			}
			if err != nil {
				return nil, fmt.Errorf("network: look up /etc/%s in the rootfs: %w", f, err)
			}
			unix.Close(fd)
		}
		m = append(m, specs.Mount{Destination: "/etc/" + f, Type: "bind",
			Source: filepath.Join(k.Dir, f), Options: []string{"bind"}})
	}
	return m, nil
}
