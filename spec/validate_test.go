package spec

import (
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestDefaultIsValid(t *testing.T) {
	for _, rootless := range []bool{false, true} {
		if err := Validate(Default(rootless)); err != nil {
			t.Errorf("Default(%v): %v", rootless, err)
		}
	}
}

func TestDefaultRootless(t *testing.T) {
	s := Default(true)
	if _, ok := namespace(s, specs.NetworkNamespace); ok {
		t.Error("rootless default has a network namespace")
	}
	if _, ok := namespace(s, specs.UserNamespace); !ok {
		t.Error("rootless default has no user namespace")
	}
	if m := s.Linux.UIDMappings; len(m) != 1 || m[0].HostID != RootlessID || m[0].ContainerID != 0 {
		t.Errorf("uid mappings %+v", m)
	}
	if s.Linux.Resources != nil {
		t.Error("rootless default has resources")
	}
	for _, m := range s.Mounts {
		if m.Type == "sysfs" || m.Type == "cgroup" {
			t.Errorf("rootless default mounts %s on %s", m.Type, m.Destination)
		}
		for _, o := range m.Options {
			if strings.HasPrefix(o, "gid=") {
				t.Errorf("rootless default has %s on %s", o, m.Destination)
			}
		}
	}
}

func TestValidateNil(t *testing.T) {
	if Validate(nil) == nil {
		t.Fatal("nil spec passed")
	}
}

// Every problem is reported, not just the first.
func TestValidateReportsAll(t *testing.T) {
	s := validSpec()
	s.Version = "2.0.0"
	s.Process.Cwd = "rel"
	s.Linux.Namespaces[0].Type = "time"
	got := map[string]bool{}
	for _, fe := range fieldErrors(Validate(s)) {
		got[fe.Path] = true
	}
	for _, want := range []string{"ociVersion", "process.cwd", "linux.namespaces[0].type"} {
		if !got[want] {
			t.Errorf("no error at %s; got %v", want, got)
		}
	}
}

func TestFieldErrorFormat(t *testing.T) {
	e := &FieldError{Path: "linux.namespaces[2].type", Msg: `"time" is not supported`}
	if got, want := e.Error(), `config.json: linux.namespaces[2].type: "time" is not supported`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}

func TestTopLevel(t *testing.T) {
	runCases(t, []fieldCase{
		{"version 1.0.2-dev", func(s *specs.Spec) { s.Version = "1.0.2-dev" }, "", ""},
		{"version 1.2.1", func(s *specs.Spec) { s.Version = "1.2.1" }, "", ""},
		{"version build", func(s *specs.Spec) { s.Version = "1.1.0+abc.1" }, "", ""},
		{"version missing", func(s *specs.Spec) { s.Version = "" }, "ociVersion", "required"},
		{"version not semver", func(s *specs.Spec) { s.Version = "1.0" }, "ociVersion", "not a semantic version"},
		{"version leading zero", func(s *specs.Spec) { s.Version = "1.01.0" }, "ociVersion", "not a semantic version"},
		{"version bad prerelease", func(s *specs.Spec) { s.Version = "1.0.0-01" }, "ociVersion", "not a semantic version"},
		{"version empty build", func(s *specs.Spec) { s.Version = "1.0.0+" }, "ociVersion", "not a semantic version"},
		{"version 2", func(s *specs.Spec) { s.Version = "2.0.0" }, "ociVersion", "not supported"},
		{"version 0", func(s *specs.Spec) { s.Version = "0.9.0" }, "ociVersion", "not supported"},

		{"root relative", func(s *specs.Spec) { s.Root.Path = "rootfs" }, "", ""},
		{"root absolute ro", func(s *specs.Spec) { s.Root = &specs.Root{Path: "/var/lib/c/merged", Readonly: true} }, "", ""},
		{"root missing", func(s *specs.Spec) { s.Root = nil }, "root", "required"},
		{"root path empty", func(s *specs.Spec) { s.Root.Path = "" }, "root.path", "required"},
		{"root path dotdot", func(s *specs.Spec) { s.Root.Path = "../x" }, "root.path", `".."`},

		{"root path NUL", func(s *specs.Spec) { s.Root.Path = "a\x00b" }, "root.path", "NUL"},

		{"hostname", func(s *specs.Spec) { s.Hostname = "web-1.example" }, "", ""},
		{"hostname 64", func(s *specs.Spec) { s.Hostname = strings.Repeat("a", 31) + "." + strings.Repeat("b", 32) }, "", ""},
		{"hostname 65", func(s *specs.Spec) { s.Hostname = strings.Repeat("a", 32) + "." + strings.Repeat("b", 32) }, "hostname", "64 bytes"},
		{"hostname label 64", func(s *specs.Spec) { s.Hostname = strings.Repeat("a", 64) }, "hostname", "longer than 63"},
		{"hostname underscore", func(s *specs.Spec) { s.Hostname = "my_host" }, "hostname", "RFC 1123"},
		{"hostname hyphen", func(s *specs.Spec) { s.Hostname = "-x" }, "hostname", "RFC 1123"},
		{"hostname empty label", func(s *specs.Spec) { s.Hostname = "a..b" }, "hostname", "empty label"},
		{"hostname no uts", func(s *specs.Spec) { withNS(s, "pid", "mount") }, "hostname", "uts namespace"},
		{"hostname joined uts", func(s *specs.Spec) {
			s.Linux.Namespaces = []specs.LinuxNamespace{{Type: "uts", Path: "/proc/1/ns/uts"}, {Type: "mount"}}
		}, "hostname", "uts namespace"},
		{"no hostname no uts", func(s *specs.Spec) { s.Hostname = ""; withNS(s, "pid", "mount") }, "", ""},

		{"domainname", func(s *specs.Spec) { s.Domainname = "example" }, "domainname", "not supported"},
		{"annotations", func(s *specs.Spec) { s.Annotations = map[string]string{"io.podman": "x", "": ""} }, "", ""},
		{"solaris", func(s *specs.Spec) { s.Solaris = &specs.Solaris{} }, "solaris", "not supported"},
		{"windows", func(s *specs.Spec) { s.Windows = &specs.Windows{} }, "windows", "not supported"},
		{"vm", func(s *specs.Spec) { s.VM = &specs.VM{} }, "vm", "not supported"},
		{"zos", func(s *specs.Spec) { s.ZOS = &specs.ZOS{} }, "zos", "not supported"},
		{"no linux", func(s *specs.Spec) { s.Linux = nil; s.Hostname = "" }, "", ""},
	})
}
