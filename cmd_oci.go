package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"mycontainer/container"
	"mycontainer/ocilog"
	"mycontainer/spec"
	"mycontainer/state"

	specs "github.com/opencontainers/runtime-spec/specs-go"
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
	o := &container.OCI{Store: store, Log: log, Debug: c.Debug, NoCgroups: c.CgroupManager == "disabled", Origin: start}
	switch verb {
	case "create":
		if c.Create.PreserveFds != 0 {
			return 1, errors.New("--preserve-fds is not supported yet")
		}
		return 0, o.Create(container.CreateOptions{ID: c.Create.ID, Bundle: c.Create.Bundle, PidFile: c.Create.PidFile,
			ConsoleSocket: c.Create.ConsoleSocket, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	case "run":
		r := c.RunBundle
		if r.Bundle == "" {
			// Parsed with run's full flag set.
			if len(c.Run.Command) != 1 {
				return 1, errors.New("with --bundle, run takes exactly one argument: the container ID")
			}
			r = runBundleCmd{Bundle: c.Run.Bundle, Detach: c.Run.Detach, PidFile: c.Run.PidFile,
				ConsoleSocket: c.Run.ConsoleSocket, ID: c.Run.Command[0]}
		}
		return o.RunBundle(container.CreateOptions{ID: r.ID, Bundle: r.Bundle, PidFile: r.PidFile,
			ConsoleSocket: r.ConsoleSocket, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr}, r.Detach)
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
		pids, err := o.Ps(c.Ps.ID)
		if err != nil {
			return 1, err
		}
		if c.Ps.Format == "json" {
			return 0, printJSON(pids)
		}
		w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
		fmt.Fprintln(w, "PID\tCMD")
		for _, p := range pids {
			cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
			fmt.Fprintf(w, "%d\t%s\n", p, strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " ")))
		}
		return 0, w.Flush()
	case "list":
		all, err := o.List()
		if err != nil {
			return 1, err
		}
		switch {
		case c.List.Quiet:
			for _, s := range all {
				fmt.Println(s.ID)
			}
		case c.List.Format == "json":
			return 0, printJSON(all)
		default:
			w := tabwriter.NewWriter(os.Stdout, 0, 8, 2, ' ', 0)
			fmt.Fprintln(w, "ID\tPID\tSTATUS\tBUNDLE\tCREATED\tOWNER")
			for _, s := range all {
				fmt.Fprintf(w, "%s\t%d\t%s\t%s\t%s\t%s\n", s.ID, s.Pid, s.Status, s.Bundle, s.Created.Format(time.RFC3339Nano), s.Owner)
			}
			return 0, w.Flush()
		}
		return 0, nil
	case "update":
		var b []byte
		if c.Update.Resources == "-" {
			b, err = io.ReadAll(os.Stdin)
		} else {
			b, err = os.ReadFile(c.Update.Resources)
		}
		if err != nil {
			return 1, fmt.Errorf("--resources: %w", err)
		}
		r := &specs.LinuxResources{}
		if err := json.Unmarshal(b, r); err != nil {
			return 1, fmt.Errorf("--resources %s: %w", c.Update.Resources, err)
		}
		return 0, o.Update(c.Update.ID, r)
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
