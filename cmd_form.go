package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"mycontainer/seccomp"

	"github.com/alecthomas/kong"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The command line rule: which form `run` is.
//
// run is the OCI form (runc's `run [flags] ID`, the bundle from --bundle
// or the current directory) when the binary is invoked as runc, or when
// any of runc's run flags is given: --bundle/-b, --detach/-d, --pid-file,
// --console-socket, --keep, --preserve-fds, --no-pivot, --no-new-keyring,
// --no-subreaper. Otherwise it is the friendly form: the arguments are
// the command, run in --rootfs (or the host's / read-only).

// ociRunFlags are run's flags that only the OCI form has.
var ociRunFlags = map[string]bool{
	"--bundle": true, "-b": true, "--detach": true, "-d": true, "--pid-file": true,
	"--console-socket": true, "--keep": true, "--preserve-fds": true, "--no-pivot": true,
	"--no-new-keyring": true, "--no-subreaper": true,
}

// ociRunForm reports whether one of run's OCI-only flags comes among the
// flags before run's first argument, which picks the lean OCI command.
// It may miss one (a friendly flag's value stops the scan); run's full
// flag set then parses it, and ociFlagged decides the same way.
func ociRunForm(args []string) bool {
	verb, at := verbAt(args)
	if verb != "run" {
		return false
	}
	keep := false
	for _, a := range args[at+1:] {
		if a == "--" || !strings.HasPrefix(a, "-") {
			return keep && a != "--"
		}
		name, _, _ := strings.Cut(a, "=")
		if name == "--keep" {
			// Also run --image's and --overlay's: the full set decides.
			keep = true
			continue
		}
		if ociRunFlags[name] {
			return true
		}
		if keep {
			return false
		}
		if strings.HasPrefix(name, "-") && !strings.HasPrefix(name, "--") && len(name) > 2 {
			// Combined short flags: -dt.
			if strings.ContainsAny(name[1:], "db") {
				return true
			}
		}
	}
	return false
}

// ociFlagged reports whether the friendly run's flag set was given one of
// the OCI form's flags: that makes the command line the OCI form.
func (r *runCmd) ociFlagged() bool {
	keep := r.Keep && r.Image == "" && !r.Overlay // with them, --keep keeps the image container
	return r.Bundle != "" || r.Detach || r.PidFile != "" || r.ConsoleSocket != "" || keep ||
		r.PreserveFds != 0 || r.NoPivot || r.NoNewKeyring || r.NoSubreaper
}

// bundleHint is the one line for `run ID` typed in a bundle directory:
// a friendly run of a command that is not there, beside a config.json.
func (r *runCmd) bundleHint() string {
	if r.Rootfs != "" || r.Image != "" || len(r.Command) != 1 {
		return ""
	}
	if _, err := os.Stat("config.json"); err != nil {
		return ""
	}
	if strings.Contains(r.Command[0], "/") {
		if _, err := os.Stat(r.Command[0]); err == nil {
			return ""
		}
	} else if onHostPath(r.Command[0]) {
		return ""
	}
	return fmt.Sprintf("run: command %q not found, and ./config.json is here: to run this bundle as runc does, use \"run --bundle . %s\" (or \"run -d %s\")",
		r.Command[0], r.Command[0], r.Command[0])
}

// onHostPath reports whether name is an executable on the host's PATH,
// which the friendly run without --rootfs sees.
func onHostPath(name string) bool {
	path := os.Getenv("PATH")
	if path == "" {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	for _, dir := range filepath.SplitList(path) {
		if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return true
		}
	}
	return false
}

// wantsVersion reports -v or --version among the global flags, before
// the verb (after it, -v is the friendly run's volume).
func wantsVersion(args []string) bool {
	_, at := verbAt(args)
	if at < 0 {
		at = len(args)
	}
	for _, a := range args[:at] {
		if a == "-v" || a == "--version" {
			return true
		}
	}
	return false
}

// versionText is runc's -v output: tools read "NAME version X" and
// "spec: Y". libseccomp is linked into the helper mycontainer-seccomp,
// not into this binary (seccomp/helper.go), so the helper is asked.
func versionText(name string) string {
	lib, err := seccomp.LibraryVersion()
	if err != nil {
		lib = "unknown (" + err.Error() + ")"
	}
	return fmt.Sprintf("%s version %s\nspec: %s\ngo: %s\nlibseccomp: %s",
		name, version, specs.Version, runtime.Version(), lib)
}

func printVersion(name string) { fmt.Println(versionText(name)) }

// versionFlag is kong's VersionFlag made lazy: the text runs the helper
// mycontainer-seccomp, so it is made only when --version is given, not
// whenever kong builds its model (a kong.Vars entry would be made for
// every command line kong parses: +18 ms and ~290 page faults each).
type versionFlag bool

func (versionFlag) BeforeReset(app *kong.Kong) error {
	fmt.Fprintln(app.Stdout, versionText(app.Model.Name))
	app.Exit(0)
	return nil
}

// friendlyFlag names a friendly-only flag that was given, or "".
func (r *runCmd) friendlyFlag() string {
	switch {
	case r.Rootfs != "":
		return "--rootfs"
	case r.Image != "":
		return "--image"
	case r.Overlay || r.Entrypoint != nil || r.Storage != "" || r.Name != "":
		return "an image flag (--overlay, --entrypoint, --storage, --name)"
	case r.Init:
		return "--init"
	case len(r.Env) > 0:
		return "--env"
	case r.Workdir != "":
		return "--workdir"
	case r.User != "":
		return "--user"
	case r.TTY != nil:
		return "--tty"
	case len(r.Volume) > 0:
		return "--volume"
	case r.Privileged || len(r.CapAdd) > 0 || len(r.CapDrop) > 0 || len(r.SecurityOpt) > 0 || r.ReadOnly:
		return "a security flag (--privileged, --cap-add, --cap-drop, --security-opt, --read-only)"
	case r.Memory != "" || r.MemorySwap != "" || r.MemoryReservation != "" || r.CPUs != "" || r.CPUShares != "" ||
		r.CpusetCpus != "" || r.CpusetMems != "" || r.PidsLimit != "" || r.BlkioWeight != "":
		return "a resource flag (--memory, --cpus, ...)"
	}
	return ""
}
