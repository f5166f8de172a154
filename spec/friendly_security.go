package spec

import (
	"fmt"
	"os"
	"slices"
	"strings"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
	"golang.org/x/sys/unix"
)

// Security is what the friendly `run` applies unless told otherwise:
// docker's defaults, so that a `run` container is a boundary as a
// `docker run` one is. Root in it cannot remount the root or /sys,
// write /proc/sys, mount filesystems, load modules, create and use
// device nodes of the host, or enter the host's namespaces.
type Security struct {
	// Privileged gives back everything: every capability, no seccomp
	// filter, no masked or read-only paths, no device rules.
	Privileged bool
	// CapAdd and CapDrop change docker's 14 capabilities ("ALL" is
	// every one; names with or without CAP_, any case).
	CapAdd, CapDrop []string
	// SecurityOpt: seccomp=unconfined, seccomp=FILE (a docker profile),
	// no-new-privileges[=true|false] (":" works too, as docker takes it).
	SecurityOpt []string
	// ReadOnly makes the container's root filesystem read-only.
	ReadOnly bool

	// dockerDefault is set by Spec when the container gets docker's
	// default profile: Spec leaves linux.seccomp nil then, and the caller
	// looks the compiled program up by DefaultSeccompKey, building the
	// profile (DefaultSeccomp) only when the cache lacks it.
	dockerDefault bool
}

// DockerCaps are docker's default capabilities, in its order.
var DockerCaps = []string{
	"CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD",
	"CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP",
	"CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
}

// secure writes the security policy into s (process and linux set).
func (sec *Security) secure(s *specs.Spec) error {
	opts, err := parseSecurityOpts(sec.SecurityOpt)
	if err != nil {
		return err
	}
	s.Root.Readonly = sec.ReadOnly
	s.Process.NoNewPrivileges = opts.noNewPrivs
	base := DockerCaps
	if sec.Privileged {
		base = AllCapabilities()
	}
	caps, err := capSet(base, sec.CapAdd, sec.CapDrop)
	if err != nil {
		return err
	}
	if sec.Privileged && len(sec.CapDrop) == 0 {
		// Every capability the runtime has, whatever this kernel knows:
		// no capset at all, as before the defaults existed.
		caps = nil
	}
	if caps != nil {
		s.Process.Capabilities = &specs.LinuxCapabilities{Bounding: caps, Effective: caps, Permitted: caps}
	}
	if sec.Privileged {
		if opts.seccomp != "" {
			return fmt.Errorf("--security-opt seccomp=%s: --privileged runs without a seccomp filter", opts.seccomp)
		}
		return nil
	}
	s.Linux.MaskedPaths, s.Linux.ReadonlyPaths = maskedPaths(), readonlyPaths()
	if s.Linux.Resources == nil {
		s.Linux.Resources = &specs.LinuxResources{}
	}
	s.Linux.Resources.Devices = defaultDeviceRules()
	if opts.seccomp == "" {
		// Building docker's profile (~350 names) and encoding it for a
		// cache key cost a fresh runtime ~1 ms: the caller needs it only
		// when the compiled program is not in the cache yet.
		sec.dockerDefault = true
		return nil
	}
	s.Linux.Seccomp, err = friendlySeccomp(opts.seccomp, s)
	return err
}

// DefaultSeccompKey names the compiled form of docker's default profile
// for s, or is "" when Spec gave the container another profile or none.
// The profile depends on the bounding set (CAP_SYS_ADMIN and the like
// allow more syscalls) and on the running kernel (rules with a minimum
// kernel version), so both are in the name; the library's version is in
// the cache key through the runtime's build ID.
func (f *Friendly) DefaultSeccompKey(s *specs.Spec) string {
	if !f.Security.dockerDefault {
		return ""
	}
	var caps []string
	if c := s.Process.Capabilities; c != nil {
		caps = c.Bounding
	}
	var u unix.Utsname
	_ = unix.Uname(&u)
	return "docker-default\ncaps " + strings.Join(caps, ",") + "\nkernel " + unix.ByteSliceToString(u.Release[:]) + "\n"
}

// DefaultSeccomp is docker's default profile for s, which Spec left out
// (DefaultSeccompKey is not empty).
func DefaultSeccomp(s *specs.Spec) (*specs.LinuxSeccomp, error) {
	return friendlySeccomp("", s)
}

type securityOpts struct {
	seccomp    string // "", "unconfined" or a profile file
	noNewPrivs bool
}

func parseSecurityOpts(list []string) (securityOpts, error) {
	var o securityOpts
	for _, opt := range list {
		k, v, hasV := strings.Cut(opt, "=")
		if !hasV {
			k, v, hasV = strings.Cut(opt, ":")
		}
		switch k {
		case "seccomp":
			if v == "" {
				return o, fmt.Errorf("--security-opt %q: want seccomp=unconfined or seccomp=FILE", opt)
			}
			o.seccomp = v
		case "no-new-privileges":
			switch {
			case !hasV || v == "true":
				o.noNewPrivs = true
			case v == "false":
				o.noNewPrivs = false
			default:
				return o, fmt.Errorf("--security-opt %q: want no-new-privileges, or =true or =false", opt)
			}
		default:
			return o, fmt.Errorf("--security-opt %q: unknown option (mycontainer knows seccomp= and no-new-privileges; there is no AppArmor or SELinux support)", opt)
		}
	}
	return o, nil
}

// capSet applies --cap-add and --cap-drop to base, as docker does: with
// --cap-add ALL every capability but the dropped ones; with --cap-drop
// ALL only the added ones; else base minus the dropped plus the added.
func capSet(base, add, drop []string) ([]string, error) {
	adds, addAll, err := flagCaps("--cap-add", add)
	if err != nil {
		return nil, err
	}
	drops, dropAll, err := flagCaps("--cap-drop", drop)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	switch {
	case addAll:
		for _, c := range AllCapabilities() {
			set[c] = true
		}
		for _, c := range drops {
			delete(set, c)
		}
	case dropAll:
		for _, c := range adds {
			set[c] = true
		}
	default:
		for _, c := range base {
			set[c] = true
		}
		for _, c := range drops {
			delete(set, c)
		}
		for _, c := range adds {
			set[c] = true
		}
	}
	out := []string{}
	for _, c := range AllCapabilities() {
		if !set[c] {
			continue
		}
		// ALL means every capability this runtime can give: inside a
		// container or a sandbox its own bounding set may lack some
		// (CAP_SYS_RESOURCE on this project's build VM), and capset
		// would then refuse the whole set.
		if !canGive(c) {
			if slices.Contains(adds, c) {
				return nil, fmt.Errorf("--cap-add %s: this runtime does not hold it (its bounding set lacks it), so it cannot give it", c)
			}
			continue
		}
		out = append(out, c)
	}
	return out, nil
}

// canGive reports whether the capability is in this process's bounding
// set (PR_CAPBSET_READ; a number this kernel does not know is not).
func canGive(c string) bool {
	n, _ := Capability(c)
	r, err := unix.PrctlRetInt(unix.PR_CAPBSET_READ, uintptr(n), 0, 0, 0)
	return err == nil && r == 1
}

// flagCaps canonicalises capability names (net_admin, NET_ADMIN and
// CAP_NET_ADMIN are one); all reports ALL among them.
func flagCaps(flag string, list []string) (names []string, all bool, err error) {
	for _, name := range list {
		if strings.EqualFold(name, "ALL") {
			all = true
			continue
		}
		c := strings.ToUpper(name)
		if !strings.HasPrefix(c, "CAP_") {
			c = "CAP_" + c
		}
		if _, ok := Capability(c); !ok {
			return nil, false, fmt.Errorf("%s %q: unknown capability", flag, name)
		}
		names = append(names, c)
	}
	return names, all, nil
}

// friendlySeccomp is docker's default profile (for the capabilities s
// holds: some syscalls follow CAP_SYS_ADMIN and the like), a profile
// file in docker's format, or none.
func friendlySeccomp(opt string, s *specs.Spec) (*specs.LinuxSeccomp, error) {
	switch opt {
	case "unconfined":
		return nil, nil
	case "":
		p, err := mobyseccomp.GetDefaultProfile(s)
		if err != nil {
			return nil, fmt.Errorf("docker's default seccomp profile: %w", err)
		}
		return p, nil
	}
	b, err := os.ReadFile(opt)
	if err != nil {
		return nil, fmt.Errorf("--security-opt seccomp=%s: %w", opt, err)
	}
	p, err := mobyseccomp.LoadProfile(string(b), s)
	if err != nil {
		return nil, fmt.Errorf("--security-opt seccomp=%s: %w", opt, err)
	}
	return p, nil
}

// DescribePolicy says in one line what a container is allowed: the
// capabilities, the seccomp filter, no_new_privs, masked and read-only
// paths, device rules and the root. `run --debug` prints it.
func DescribePolicy(s *specs.Spec) string {
	var b strings.Builder
	caps := "all (unchanged)"
	if c := s.Process.Capabilities; c != nil {
		caps = strings.Join(c.Bounding, ",")
		if caps == "" {
			caps = "none"
		}
	}
	fmt.Fprintf(&b, "capabilities=%s", caps)
	if sc := s.Linux.Seccomp; sc != nil {
		n := 0
		for _, c := range sc.Syscalls {
			n += len(c.Names)
		}
		fmt.Fprintf(&b, " seccomp=%s-by-default(%d names in %d rules)", sc.DefaultAction, n, len(sc.Syscalls))
	} else {
		b.WriteString(" seccomp=none")
	}
	fmt.Fprintf(&b, " no_new_privs=%v masked=%d readonly=%d", s.Process.NoNewPrivileges, len(s.Linux.MaskedPaths), len(s.Linux.ReadonlyPaths))
	if r := s.Linux.Resources; r != nil && len(r.Devices) > 0 {
		fmt.Fprintf(&b, " devices=%d-rules", len(r.Devices))
	} else {
		b.WriteString(" devices=all")
	}
	fmt.Fprintf(&b, " root.readonly=%v", s.Root.Readonly)
	return b.String()
}
