package spec

import (
	"errors"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// fieldCase is one row of a table: mutate a valid config, then expect
// either no error (path "") or errors that all name exactly path, one of
// them containing msg.
type fieldCase struct {
	name string
	mut  func(s *specs.Spec)
	path string
	msg  string
}

// validSpec is the root default, which must itself be valid.
func validSpec() *specs.Spec { return Default(false) }

func runCases(t *testing.T, cases []fieldCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := validSpec()
			c.mut(s)
			expectPath(t, Validate(s), c.path, c.msg)
		})
	}
}

// expectPath checks err against the wanted path; path "" wants nil.
func expectPath(t *testing.T, err error, path, msg string) {
	t.Helper()
	if path == "" {
		if err != nil {
			t.Fatalf("want valid, got:\n%v", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("want an error at %s, got none", path)
	}
	fes := fieldErrors(err)
	if len(fes) == 0 {
		t.Fatalf("want FieldErrors, got %T: %v", err, err)
	}
	found := false
	for _, fe := range fes {
		if fe.Path != path {
			t.Errorf("error at %q, want only %q: %v", fe.Path, path, fe)
		}
		if strings.Contains(fe.Error(), msg) {
			found = true
		}
	}
	if !found {
		t.Errorf("no error at %s mentions %q; got:\n%v", path, msg, err)
	}
	if !strings.Contains(err.Error(), "config.json: "+path+": ") {
		t.Errorf("message does not name the path as %q: %v", "config.json: "+path+": ", err)
	}
}

// fieldErrors flattens errors.Join trees into their FieldErrors.
func fieldErrors(err error) []*FieldError {
	var fe *FieldError
	if errors.As(err, &fe) && err == error(fe) {
		return []*FieldError{fe}
	}
	var out []*FieldError
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			out = append(out, fieldErrors(e)...)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }

// withNS replaces the namespaces list.
func withNS(s *specs.Spec, types ...specs.LinuxNamespaceType) {
	s.Linux.Namespaces = nil
	for _, t := range types {
		s.Linux.Namespaces = append(s.Linux.Namespaces, specs.LinuxNamespace{Type: t})
	}
}
