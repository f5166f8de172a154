// Package spec loads a bundle's config.json and checks it against what
// mycontainer can do, using the OCI runtime-spec types.
//
// The rule, from the OCI issue: every field is honoured or rejected with an
// error that names its JSON path; nothing is silently ignored. The OCI spec
// lets a runtime ignore properties it does not know, so unknown JSON keys
// are dropped by the decoder, but fields that runtime-spec defines and
// mycontainer does not implement are refused.
//
// Load reads and decodes; Validate checks. Callers run both:
//
//	s, err := spec.Load(bundle)
//	if err == nil {
//		err = spec.Validate(s)
//	}
//
// Validate reports every problem at once (errors.Join of *FieldError), so a
// user fixes a config in one round.
package spec
