package spec

import (
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func TestHooks(t *testing.T) {
	hook := specs.Hook{Path: "/usr/bin/hook", Args: []string{"hook", "x"}, Env: []string{"A=1"}, Timeout: ptr(5)}
	hooks := func(h specs.Hooks) func(*specs.Spec) { return func(s *specs.Spec) { s.Hooks = &h } }
	one := []specs.Hook{hook}
	runCases(t, []fieldCase{
		{"all six kinds", hooks(specs.Hooks{Prestart: one, CreateRuntime: one, CreateContainer: one,
			StartContainer: one, Poststart: one, Poststop: one}), "", ""},
		{"no timeout", hooks(specs.Hooks{Poststop: []specs.Hook{{Path: "/bin/true"}}}), "", ""},
		{"relative path", hooks(specs.Hooks{CreateRuntime: []specs.Hook{hook, {Path: "hook"}}}), "hooks.createRuntime[1].path", "absolute"},
		{"missing path", hooks(specs.Hooks{Prestart: []specs.Hook{{}}}), "hooks.prestart[0].path", "required"},
		{"zero timeout", hooks(specs.Hooks{Poststart: []specs.Hook{{Path: "/x", Timeout: ptr(0)}}}), "hooks.poststart[0].timeout", "more than 0"},
		{"negative timeout", hooks(specs.Hooks{StartContainer: []specs.Hook{{Path: "/x", Timeout: ptr(-1)}}}), "hooks.startContainer[0].timeout", "more than 0"},
		{"bad env", hooks(specs.Hooks{CreateContainer: []specs.Hook{{Path: "/x", Env: []string{"noequals"}}}}), "hooks.createContainer[0].env[0]", "KEY=VALUE"},
	})
}
