package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mycontainer/cgroups"
	"mycontainer/container"
	"mycontainer/ocilog"
	"mycontainer/spec"
	"mycontainer/state"
)

// The OCI verbs, with runc's names and flags, because engines call
// exactly these. Exit codes follow runc: a failed create exits 1, a failed
// exec 255, and `delete --force` of a missing container 0.

type createCmd struct {
	Bundle        string `short:"b" default:"." help:"Bundle directory." placeholder:"DIR"`
	PidFile       string `help:"Write init's PID here." placeholder:"FILE"`
	ConsoleSocket string `help:"Send the pty master to this unix socket." placeholder:"PATH"`
	NoPivot       bool   `help:"Accepted for runc compatibility; pivot_root is always used."`
	NoNewKeyring  bool   `help:"Accepted for runc compatibility (no new session keyring is made)."`
	PreserveFds   int    `help:"Pass the caller's fds 3 to 3+N-1 to the container's process." placeholder:"N"`
	ID            string `arg:"" help:"Container ID."`
}

// runBundleCmd is run's OCI form, runc's run: run's OCI flags only.
type runBundleCmd struct {
	Bundle        string `short:"b" default:"." help:"Bundle directory." placeholder:"DIR"`
	Detach        bool   `short:"d" help:"Return once the container runs."`
	PidFile       string `help:"Write init's PID here." placeholder:"FILE"`
	ConsoleSocket string `help:"Send the pty master to this unix socket." placeholder:"PATH"`
	Keep          bool   `help:"Do not delete the container after it exits."`
	PreserveFds   int    `help:"Pass the caller's fds 3 to 3+N-1 to the container's process." placeholder:"N"`
	NoPivot       bool   `help:"Accepted for runc compatibility; pivot_root is always used."`
	NoNewKeyring  bool   `help:"Accepted for runc compatibility (no new session keyring is made)."`
	NoSubreaper   bool   `help:"Accepted for runc compatibility (the runtime never becomes a subreaper)."`
	ID            string `arg:"" help:"Container ID."`
}

type startCmd struct {
	ID string `arg:""`
}

type stateCmd struct {
	ID string `arg:""`
}

type killCmd struct {
	All    bool   `short:"a" help:"Signal every process in the container's cgroup."`
	ID     string `arg:""`
	Signal string `arg:"" optional:"" default:"TERM" help:"A name (TERM, SIGKILL) or a number."`
}

type deleteCmd struct {
	Force bool   `short:"f" help:"Kill the container first if it runs; a missing container is not an error."`
	ID    string `arg:""`
}

type execCmd struct {
	Process       string   `short:"p" help:"A JSON process (config.json's \"process\") to run." placeholder:"FILE"`
	Detach        bool     `short:"d" help:"Return once the process runs."`
	PidFile       string   `help:"Write the process's PID here." placeholder:"FILE"`
	ConsoleSocket string   `help:"Send the pty master to this unix socket." placeholder:"PATH"`
	TTY           bool     `short:"t" name:"tty" help:"Allocate a pty."`
	Cwd           string   `help:"Working directory." placeholder:"DIR"`
	Env           []string `short:"e" help:"Add an environment variable." placeholder:"K=V"`
	User          string   `short:"u" help:"UID[:GID]." placeholder:"UID[:GID]"`
	AdditionalGid []uint32 `name:"additional-gids" short:"g" help:"Add a supplementary group (a number; repeatable)." placeholder:"GID"`
	Cap           []string `short:"c" help:"Add a capability to the bounding, effective and permitted sets (repeatable)." placeholder:"CAP"`
	NoNewPrivs    bool     `help:"Set no_new_privs for the process."`
	PreserveFds   int      `help:"Pass the caller's fds 3 to 3+N-1 to the process." placeholder:"N"`
	IgnorePaused  bool     `help:"Exec into a paused container: the process is made and stays frozen with it until resume."`
	Cgroup        []string `help:"Run in an existing sub-cgroup of the container's: [CONTROLLER[,CONTROLLER]:]PATH, relative to the container's cgroup (repeatable on v1, one per controller)." placeholder:"PATH"`
	Apparmor      string   `help:"AppArmor profile: refused (mycontainer applies none), saying whether the host has AppArmor." placeholder:"PROFILE"`
	ProcessLabel  string   `help:"SELinux label: refused (mycontainer applies none), saying whether the host has SELinux." placeholder:"LABEL"`
	ID            string   `arg:""`
	Command       []string `arg:"" optional:"" passthrough:"partial"`
}

type psCmd struct {
	Format string   `short:"f" enum:"table,json" default:"table" help:"table: ps(1)'s lines for the container's processes; json: their PIDs."`
	ID     string   `arg:""`
	PsArgs []string `arg:"" optional:"" passthrough:"partial" help:"Options for ps(1) (default -ef); its output must have a PID column."`
}

type listCmd struct {
	Format string `short:"f" enum:"table,json" default:"table"`
	Quiet  bool   `short:"q" help:"Print the IDs only."`
}

type pauseCmd struct {
	ID string `arg:""`
}

type resumeCmd struct {
	ID string `arg:""`
}

type updateCmd struct {
	Resources         string `short:"r" help:"A JSON linux.resources object; - for stdin. Not with the flags below." placeholder:"FILE"`
	BlkioWeight       string `help:"Block I/O weight, 10-1000." placeholder:"N"`
	CPUPeriod         string `name:"cpu-period" help:"CFS period, in microseconds." placeholder:"US"`
	CPUQuota          string `name:"cpu-quota" help:"CFS quota per period, in microseconds (-1: none)." placeholder:"US"`
	CPUShare          string `name:"cpu-share" help:"Relative CPU weight." placeholder:"N"`
	CPURtPeriod       string `name:"cpu-rt-period" help:"Realtime period: not supported, refused." placeholder:"US"`
	CPURtRuntime      string `name:"cpu-rt-runtime" help:"Realtime runtime: not supported, refused." placeholder:"US"`
	CpusetCpus        string `help:"CPUs to run on, e.g. 0-2,4." placeholder:"LIST"`
	CpusetMems        string `help:"Memory nodes to use, e.g. 0." placeholder:"LIST"`
	KernelMemory      string `help:"Kernel memory limit: gone from Linux, refused." placeholder:"BYTES"`
	KernelMemoryTCP   string `name:"kernel-memory-tcp" help:"Kernel TCP memory limit: gone from Linux, refused." placeholder:"BYTES"`
	Memory            string `help:"Memory limit, e.g. 64m." placeholder:"BYTES"`
	MemoryReservation string `help:"Soft memory limit." placeholder:"BYTES"`
	MemorySwap        string `help:"Memory plus swap limit; -1 for unlimited." placeholder:"BYTES"`
	PidsLimit         string `help:"Maximum number of processes; -1 for unlimited." placeholder:"N"`
	L3CacheSchema     string `name:"l3-cache-schema" help:"Intel RDT: not supported, refused." placeholder:"SCHEMA"`
	MemBwSchema       string `name:"mem-bw-schema" help:"Intel RDT: not supported, refused." placeholder:"SCHEMA"`
	ID                string `arg:""`
}

type eventsCmd struct {
	Stats    bool          `help:"Print the stats once and exit."`
	Interval time.Duration `default:"5s" help:"Time between stats."`
	ID       string        `arg:""`
}

type specCmd struct {
	Bundle   string `short:"b" default:"." help:"Where to write config.json." placeholder:"DIR"`
	Rootless bool   `help:"Write the rootless variant."`
}

type featuresCmd struct{}

// oci runs one OCI verb and returns its exit code.
func (c *cli) oci(command string, start uint64) int {
	verb := strings.Fields(command)[0]
	failCode := 1
	if verb == "exec" {
		failCode = 255
	}
	// Before the log or anything else is opened: an fd the runtime opened
	// itself must never pass for one of the caller's.
	fdErr := checkPreserveFds(c.preserveFds(verb))
	log, err := ocilog.New(c.Log, c.LogFormat, c.Debug)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mycontainer: %v\n", err)
		return failCode
	}
	defer log.Close()
	if fdErr != nil {
		log.Errorf("%s: %v", verb, fdErr)
		return failCode
	}
	if c.SystemdCgroup || c.CgroupManager == "systemd" {
		log.Errorf("--systemd-cgroup is not supported: mycontainer manages cgroups through cgroupfs")
		return failCode
	}
	if c.Rootless == "true" && os.Geteuid() != 0 {
		// runc's rootless mode as root only tolerates permission errors
		// on cgroupfs, which root never gets: true then changes nothing.
		// Without root there is no user-namespace mode to fall back to.
		log.Errorf("--rootless true: not running as root (euid %d), and mycontainer has no rootless mode (user namespaces are not supported yet); run it as root", os.Geteuid())
		return failCode
	}
	code, err := c.runVerb(verb, log, start)
	if err != nil {
		log.Errorf("%s: %v", verb, err)
		if code == 0 {
			code = failCode
		}
	}
	return code
}

func (c *cli) runVerb(verb string, log *ocilog.Logger, start uint64) (int, error) {
	switch verb {
	case "spec":
		return 0, writeSpec(c.Spec)
	case "features":
		return 0, printJSON(featureList())
	}
	if os.Geteuid() != 0 {
		return 1, errors.New("root is needed")
	}
	store, err := state.Open(c.Root)
	if err != nil {
		return 1, err
	}
	o := &container.OCI{Store: store, Log: log, Debug: c.Debug, NoCgroups: c.CgroupManager == "disabled", Origin: start,
		EngineCall: c.LogFormat == "json"}
	switch verb {
	case "create":
		return 0, o.Create(container.CreateOptions{ID: c.Create.ID, Bundle: c.Create.Bundle, PidFile: c.Create.PidFile,
			ConsoleSocket: c.Create.ConsoleSocket, PreserveFds: c.preserveFds("create"), ExtraEnv: listenEnv(),
			Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	case "run":
		return c.runBundle(o)
	case "start":
		return 0, o.Start(c.Start.ID)
	case "state":
		st, err := o.State(c.State.ID)
		if err != nil {
			return 1, err
		}
		return 0, printJSON(st)
	case "kill":
		sig, err := container.ParseSignal(c.Kill.Signal)
		if err != nil {
			return 1, err
		}
		return 0, o.Kill(c.Kill.ID, sig, c.Kill.All)
	case "delete":
		return 0, o.Delete(c.Delete.ID, c.Delete.Force)
	case "exec":
		return c.exec(o)
	case "ps":
		return verbResult(c.ps(o))
	case "list":
		return verbResult(c.list(o))
	case "update":
		return verbResult(c.update(o))
	case "events":
		return 0, o.Events(c.Events.ID, c.Events.Stats, c.Events.Interval, os.Stdout)
	case "pause":
		return 0, o.Pause(c.Pause.ID)
	case "resume":
		return 0, o.Resume(c.Resume.ID)
	}
	return 1, fmt.Errorf("unknown command %q", verb)
}

// exec runs --process FILE, or a command that starts from the
// container's own process (container/exec_process.go).
func (c *cli) exec(o *container.OCI) (int, error) {
	e := c.Exec
	subs, err := cgroups.ParseSubCgroups(e.Cgroup)
	if err != nil {
		return 255, err
	}
	x := container.ExecProcess{TTY: e.TTY, Cwd: e.Cwd, Env: e.Env, User: e.User, Args: e.Command,
		AdditionalGids: e.AdditionalGid, Caps: e.Cap, NoNewPrivs: e.NoNewPrivs, Apparmor: e.Apparmor, ProcessLabel: e.ProcessLabel}
	if len(x.Args) > 0 && x.Args[0] == "--" {
		x.Args = x.Args[1:]
	}
	if e.Process != "" {
		b, err := os.ReadFile(e.Process)
		if err != nil {
			return 255, fmt.Errorf("--process: %w", err)
		}
		if x.File, err = container.ParseProcessFile(b, e.Process); err != nil {
			return 255, err
		}
	}
	return o.Exec(container.ExecOptions{ID: e.ID, Process: x, Detach: e.Detach, PidFile: e.PidFile,
		IgnorePaused: e.IgnorePaused, PreserveFds: e.PreserveFds, Cgroups: subs,
		ConsoleSocket: e.ConsoleSocket, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
}

func writeSpec(s specCmd) error {
	path := filepath.Join(s.Bundle, "config.json")
	if _, err := os.Stat(path); err == nil {
		return fmt.Errorf("%s already exists: remove it first", path)
	}
	b, err := json.MarshalIndent(spec.Default(s.Rootless), "", "\t")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func printJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(append(b, '\n'))
	return err
}
