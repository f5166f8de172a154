package spec

import (
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// checkHooks checks the six kinds of hook. All are accepted: prestart is
// deprecated by the spec but engines still send it (it runs at the same
// moment as createRuntime). The path is looked up on the host, in the
// runtime namespace, so it must be absolute (the spec's rule: no PATH
// search). A timeout, if given, is in seconds and must be positive.
func checkHooks(p *problems, h *specs.Hooks) {
	if h == nil {
		return
	}
	for _, kind := range []struct {
		name  string
		hooks []specs.Hook
	}{
		{"prestart", h.Prestart},
		{"createRuntime", h.CreateRuntime},
		{"createContainer", h.CreateContainer},
		{"startContainer", h.StartContainer},
		{"poststart", h.Poststart},
		{"poststop", h.Poststop},
	} {
		for i, hook := range kind.hooks {
			path := idx(field("hooks", kind.name), i)
			checkAbsPath(p, field(path, "path"), hook.Path)
			if hook.Timeout != nil && *hook.Timeout <= 0 {
				p.add(field(path, "timeout"), "%d must be more than 0 seconds", *hook.Timeout)
			}
			checkEnv(p, field(path, "env"), hook.Env)
		}
	}
}
