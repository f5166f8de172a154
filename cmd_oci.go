package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

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
	PreserveFds   int    `help:"Pass N extra fds (3..N+2); only 0 is supported."`
	ID            string `arg:"" help:"Container ID."`
}

// runBundleCmd is `run --bundle DIR ID`, runc's run: run's OCI flags only.
type runBundleCmd struct {
	Bundle        string `short:"b" required:"" help:"Bundle directory." placeholder:"DIR"`
	Detach        bool   `short:"d" help:"Return once the container runs."`
	PidFile       string `help:"Write init's PID here." placeholder:"FILE"`
	ConsoleSocket string `help:"Send the pty master to this unix socket." placeholder:"PATH"`
	NoPivot       bool   `help:"Accepted for runc compatibility; pivot_root is always used."`
	NoNewKeyring  bool   `help:"Accepted for runc compatibility (no new session keyring is made)."`
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
	ID            string   `arg:""`
	Command       []string `arg:"" optional:"" passthrough:"partial"`
}

type psCmd struct {
	Format string `short:"f" enum:"table,json" default:"table"`
	ID     string `arg:""`
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
	Resources string `short:"r" required:"" help:"A JSON linux.resources object; - for stdin." placeholder:"FILE"`
	ID        string `arg:""`
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
	log, err := ocilog.New(c.Log, c.LogFormat, c.Debug)
	if err != nil {
		fmt.Fprintf(os.Stderr, "mycontainer: %v\n", err)
		return failCode
	}
	defer log.Close()
	if c.SystemdCgroup || c.CgroupManager == "systemd" {
		log.Errorf("--systemd-cgroup is not supported: mycontainer manages cgroups through cgroupfs")
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
		if c.Create.PreserveFds != 0 {
			return 1, errors.New("--preserve-fds is not supported yet")
		}
		return 0, o.Create(container.CreateOptions{ID: c.Create.ID, Bundle: c.Create.Bundle, PidFile: c.Create.PidFile,
			ConsoleSocket: c.Create.ConsoleSocket, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
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
	x := container.ExecProcess{TTY: e.TTY, Cwd: e.Cwd, Env: e.Env, User: e.User, Args: e.Command}
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
