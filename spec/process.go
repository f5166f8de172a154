package spec

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// The kernel's bounds for /proc/PID/oom_score_adj (OOM_SCORE_ADJ_MIN/MAX).
const (
	minOOMScoreAdj = -1000
	maxOOMScoreAdj = 1000
)

// checkProcess: process is OPTIONAL in the spec (config.md) and MUST be
// present only when start is called: create accepts a config without one
// and start refuses it (container.(*OCI).Start).
func checkProcess(p *problems, s *specs.Spec) {
	pr := s.Process
	if pr == nil {
		return
	}
	checkArgs(p, pr.Args)
	switch {
	case pr.Cwd == "":
		p.add("process.cwd", "is required")
	case !strings.HasPrefix(pr.Cwd, "/"):
		// The spec: cwd MUST be an absolute path (inside the container).
		p.add("process.cwd", "%q must be an absolute path", pr.Cwd)
	case hasNUL(pr.Cwd):
		p.add("process.cwd", "must not contain a NUL byte")
	default:
		if err := CheckCwd(pr.Cwd); err != nil {
			p.add("process.cwd", "%v", err)
		}
	}
	checkEnv(p, "process.env", pr.Env)
	checkUser(p, s)
	checkRlimits(p, pr.Rlimits)
	checkCapabilities(p, pr.Capabilities)
	if pr.ConsoleSize != nil && !pr.Terminal {
		// The spec: consoleSize is ignored when terminal is false; we
		// refuse rather than ignore it.
		p.add("process.consoleSize", "is only allowed with \"terminal\": true")
	}
	if a := pr.OOMScoreAdj; a != nil && (*a < minOOMScoreAdj || *a > maxOOMScoreAdj) {
		p.add("process.oomScoreAdj", "%d is outside the kernel's range %d..%d", *a, minOOMScoreAdj, maxOOMScoreAdj)
	}
	// noNewPrivileges and terminal are plain booleans: always valid.

	if pr.CommandLine != "" {
		p.unsupported("process.commandLine") // Windows only
	}
	// Podman sends a profile on hosts with AppArmor enabled. Refused
	// rather than run unconfined; lsm.go says why (exec says the same).
	if err := CheckAppArmor(pr.ApparmorProfile); err != nil {
		p.add("process.apparmorProfile", "%v", err)
	}
	if err := CheckSELinux(pr.SelinuxLabel); err != nil {
		p.add("process.selinuxLabel", "%v", err)
	}
	if pr.Scheduler != nil {
		p.unsupported("process.scheduler")
	}
	if pr.IOPriority != nil {
		p.unsupported("process.ioPriority")
	}
	if pr.ExecCPUAffinity != nil {
		p.unsupported("process.execCPUAffinity")
	}
}

// checkArgs: the spec makes args REQUIRED with at least one entry, and
// args[0] is the program execve runs; an empty one can only fail.
func checkArgs(p *problems, args []string) {
	if len(args) == 0 {
		p.add("process.args", "must have at least one entry (the command)")
		return
	}
	if args[0] == "" {
		p.add("process.args[0]", "must not be empty (it is the command)")
	}
	for i, a := range args {
		if hasNUL(a) {
			p.add(idx("process.args", i), "must not contain a NUL byte")
		}
	}
}

// checkEnv checks KEY=VALUE entries, as execve passes them. The key must
// be non-empty and without "=" (the first "=" ends it); a NUL would end
// the C string early, so the process would see a different environment.
func checkEnv(p *problems, path string, env []string) {
	for i, e := range env {
		k, _, ok := strings.Cut(e, "=")
		switch {
		case !ok:
			p.add(idx(path, i), "%q must have the form KEY=VALUE", e)
		case k == "":
			p.add(idx(path, i), "%q has an empty name", e)
		case hasNUL(e):
			p.add(idx(path, i), "must not contain a NUL byte")
		}
	}
}

// checkUser: uid and gid are REQUIRED (their presence is checked by Load,
// since 0 is root). The umask is a permission mask: umask(2) keeps only
// 0777, so higher bits mean a mistake (often a decimal written for octal).
func checkUser(p *problems, s *specs.Spec) {
	u := s.Process.User
	if u.Umask != nil && *u.Umask > 0o777 {
		p.add("process.user.umask", "%#o is more than 0777", *u.Umask)
	}
	if u.Username != "" {
		p.unsupported("process.user.username") // Windows only
	}
	checkUserMapped(p, s)
}
