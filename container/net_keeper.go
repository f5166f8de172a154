package container

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

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

// netKeeper is the runtime's end of `mycontainer-net keep`, the process
// that holds one container's network (network.Keep): it leases the
// address when started, wires the container when told init's PID, and
// tears everything down when this end closes, also when the runtime is
// SIGKILLed.
type netKeeper struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	IP  string
	Dir string // the container's resolv.conf, hosts and hostname
}

// startNetKeeper starts the keeper and waits for its lease.
func startNetKeeper(hostname string, publish, dns []string, stderr io.Writer) (*netKeeper, error) {
	h, err := NetHelper()
	if err != nil {
		return nil, err
	}
	args := []string{"keep", "--runtime", strconv.Itoa(os.Getpid()), "--hostname", hostname}
	for _, p := range publish {
		args = append(args, "-p", p)
	}
	for _, d := range dns {
		args = append(args, "--dns", d)
	}
	k := &netKeeper{cmd: exec.Command(h, args...)}
	// One P: the keeper does one thing at a time, and with more the Go
	// scheduler wakes and spins idle threads around every netlink reply
	// (an interleaved A/B: 6 ms less CPU per start with GOMAXPROCS=1).
	k.cmd.Env = append(os.Environ(), "GOMAXPROCS=1")
	k.cmd.Stderr = stderr
	// Its own process group: a Ctrl-C at the terminal is the runtime's to
	// act on; the keeper must outlive the container to clean up after it.
	k.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if k.in, err = k.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	out, err := k.cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("network: %w", err)
	}
	k.out = bufio.NewReader(out)
	if err := k.cmd.Start(); err != nil {
		return nil, fmt.Errorf("network: start %s: %w", h, err)
	}
	line, err := k.reply()
	if err != nil {
		k.close(nil) // it said why (or its stderr did)
		return nil, err
	}
	f := strings.Fields(strings.TrimPrefix(line, "leased "))
	if !strings.HasPrefix(line, "leased ") || len(f) != 2 {
		k.close(stderr)
		return nil, fmt.Errorf("network: unexpected answer from mycontainer-net: %q", line)
	}
	k.IP, k.Dir = f[0], f[1]
	return k, nil
}

// reply reads one line of the keeper's; "error MSG" becomes an error.
func (k *netKeeper) reply() (string, error) {
	line, err := k.out.ReadString('\n')
	line = strings.TrimSpace(line)
	if msg, ok := strings.CutPrefix(line, "error "); ok {
		return "", errors.New(msg)
	}
	if err != nil {
		return "", fmt.Errorf("network: mycontainer-net ended without an answer: %w", err)
	}
	return line, nil
}

// wire gives the keeper init's PID and waits until the container is on
// the bridge with its ports published, before the command runs.
func (k *netKeeper) wire(pid int) error {
	if _, err := fmt.Fprintf(k.in, "pid %d\n", pid); err != nil {
		return Errorf(ExitRuntime, "network: tell mycontainer-net the container's pid: %w", err)
	}
	line, err := k.reply()
	if err == nil && line != "up" {
		err = fmt.Errorf("unexpected answer from mycontainer-net: %q", line)
	}
	if err != nil {
		return Errorf(ExitRuntime, "network: %w", err)
	}
	return nil
}

// close ends the lease: the keeper tears down and exits; wait for it, so
// nothing is left once the run returns.
func (k *netKeeper) close(stderr io.Writer) {
	k.in.Close()
	if err := k.cmd.Wait(); err != nil && stderr != nil {
		fmt.Fprintf(stderr, "mycontainer: warning: network teardown: mycontainer-net %v\n", err)
	}
}

// mounts binds the keeper's files over the container's: the rootfs's own
// stay as they are on disk. The targets are resolved inside the root, as
// every mount target is. On a root of the container's own (an overlay,
// whose upper directory is its), a missing target is made there; on a
// rootfs directory, whose files are the caller's, a file the rootfs does
// not have is left out rather than created in it.
func (k *netKeeper) mounts(rootPath string, ownRoot bool) ([]specs.Mount, error) {
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
