package container

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"time"

	"mycontainer/ocilog"
	"mycontainer/state"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }

// hookState is the spec's state JSON that hooks read on stdin.
func hookState(st *state.State, status state.Status) []byte {
	b, _ := json.Marshal(specs.State{Version: specs.Version, ID: st.ID, Status: specs.ContainerState(status),
		Pid: st.Pid, Bundle: st.Bundle, Annotations: st.Annotations}) // cannot fail for this type
	return b
}

// runRuntimeHooks runs hooks in the runtime's own namespaces.
func runRuntimeHooks(kind string, hooks []specs.Hook, st *state.State, status state.Status) error {
	in := hookState(st, status)
	for i, h := range hooks {
		ctx := context.Background()
		var cancel context.CancelFunc = func() {}
		if h.Timeout != nil && *h.Timeout > 0 {
			ctx, cancel = context.WithTimeout(ctx, time.Duration(*h.Timeout)*time.Second)
		}
		cmd := exec.CommandContext(ctx, h.Path)
		if len(h.Args) > 0 {
			cmd.Args = h.Args
		}
		cmd.Env = h.Env
		cmd.Stdin = bytes.NewReader(in)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		cancel()
		if err != nil {
			return fmt.Errorf("%s hook %d (%s): %w: %s", kind, i, h.Path, err, strings.TrimSpace(stderr.String()))
		}
	}
	return nil
}

// sendConsole hands the pty master to the engine's --console-socket with
// SCM_RIGHTS, as runc does; the engine (conmon, the shim) relays it.
// (Raw syscalls rather than package net, whose init every process of the
// binary would pay for.)
func sendConsole(path string, master int) error {
	defer unix.Close(master)
	sock, err := unix.Socket(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("console socket: %w", err)
	}
	defer unix.Close(sock)
	if err := unix.Connect(sock, &unix.SockaddrUnix{Name: path}); err != nil {
		return fmt.Errorf("connect to console socket %s: %w", path, err)
	}
	if err := unix.Sendmsg(sock, []byte("/dev/ptmx"), unix.UnixRights(master), nil, 0); err != nil {
		return fmt.Errorf("send pty to console socket %s: %w", path, err)
	}
	return nil
}

// applyDeviceRules enforces linux.resources.devices: in order into the v1
// devices cgroup, or as an eBPF program on v2 (devices_v2.go). Without
// them a container with CAP_MKNOD could open any device node it creates.
func applyDeviceRules(cg *Cgroup, r *specs.LinuxResources, log *ocilog.Logger) error {
	if r == nil || len(r.Devices) == 0 {
		return nil
	}
	if cg.Mode.IsV2() {
		return attachDeviceProgram(cg.Manager().Path(), deviceProgram(v2DeviceRules(r.Devices)))
	}
	dir := cg.Manager().Paths()["devices"]
	if dir == "" {
		log.Errorf("warning: no devices cgroup is mounted: linux.resources.devices is not enforced")
		return nil
	}
	for i, d := range r.Devices {
		file := dir + "/devices.deny"
		if d.Allow {
			file = dir + "/devices.allow"
		}
		typ := d.Type
		if typ == "" {
			typ = "a"
		}
		major, minor := "*", "*"
		if d.Major != nil {
			major = fmt.Sprint(*d.Major)
		}
		if d.Minor != nil {
			minor = fmt.Sprint(*d.Minor)
		}
		access := d.Access
		if access == "" {
			access = "rwm"
		}
		rule := fmt.Sprintf("%s %s:%s %s", typ, major, minor, access)
		if typ == "a" {
			rule = "a"
		}
		if err := writeFile(file, rule); err != nil {
			return fmt.Errorf("linux.resources.devices[%d]: write %q to %s: %w", i, rule, file, err)
		}
	}
	// The nodes every container gets in /dev (and mknod of any node, which
	// grants no access by itself) stay usable whatever the spec denied,
	// as in runc: engines send "deny all" and rely on this list.
	for _, rule := range defaultDeviceRules {
		if err := writeFile(dir+"/devices.allow", rule); err != nil {
			return fmt.Errorf("allow default device %q: %w", rule, err)
		}
	}
	return nil
}

var defaultDeviceRules = []string{
	"c *:* m", "b *:* m", // mknod only
	"c 1:3 rwm", "c 1:5 rwm", "c 1:7 rwm", "c 1:8 rwm", "c 1:9 rwm", // null zero full random urandom
	"c 5:0 rwm", "c 5:1 rwm", "c 5:2 rwm", "c 136:* rwm", // tty console ptmx pts
}

func writeFile(path, s string) error {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	_, err = unix.Write(fd, []byte(s))
	return err
}
