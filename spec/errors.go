package spec

import (
	"errors"
	"fmt"
)

// FieldError is one problem with one field of config.json. Path is the
// field's JSON path as written in the file, for example
// `linux.namespaces[2].type` or `linux.sysctl["kernel.domainname"]`.
type FieldError struct {
	Path string
	Msg  string
}

func (e *FieldError) Error() string {
	if e.Path == "" {
		return "config.json: " + e.Msg
	}
	return "config.json: " + e.Path + ": " + e.Msg
}

// problems collects FieldErrors so Validate can report all of them.
type problems struct{ errs []error }

func (p *problems) add(path, format string, args ...any) {
	p.errs = append(p.errs, &FieldError{Path: path, Msg: fmt.Sprintf(format, args...)})
}

// unsupported records a field runtime-spec defines but mycontainer does not
// implement. Refusing it is the point: a config that asks for, say, an
// AppArmor profile must not start a container without one.
func (p *problems) unsupported(path string) {
	p.add(path, "is not supported by mycontainer")
}

func (p *problems) err() error { return errors.Join(p.errs...) }

// Path helpers keep the JSON paths uniform.
func idx(path string, i int) string  { return fmt.Sprintf("%s[%d]", path, i) }
func key(path, k string) string      { return fmt.Sprintf("%s[%q]", path, k) }
func field(path, name string) string { return path + "." + name }
