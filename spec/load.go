package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// MaxConfigSize bounds config.json. Real configs are a few tens of KiB even
// with podman's seccomp profile; the bound keeps a hostile or broken bundle
// from making the runtime read an endless file into memory.
const MaxConfigSize = 4 << 20

// Load reads bundle/config.json and decodes it. It does not validate the
// contents beyond what decoding needs: call Validate next.
//
// config.json must be a regular file and must not be a symlink: the bundle
// is often written by another user or program, and a symlink or a FIFO
// there would make the runtime read something the bundle's author chose
// (or block forever).
func Load(bundle string) (*specs.Spec, error) {
	s, _, err := LoadRaw(bundle)
	return s, err
}

// LoadRaw is Load that also returns config.json as read, for a caller
// that keeps it (the state store) without reading the file again.
func LoadRaw(bundle string) (*specs.Spec, []byte, error) {
	s, data, sc, err := LoadSplit(bundle)
	if err != nil {
		return nil, nil, err
	}
	if sc != nil { // only a linux section holds one
		if s.Linux.Seccomp, err = DecodeSeccomp(sc, data); err != nil {
			return nil, nil, err
		}
	}
	return s, data, nil
}

// LoadSplit is LoadRaw with linux.seccomp left undecoded: the spec comes
// back with Linux.Seccomp nil and the section's bytes as written (nil
// when there is none) are returned beside it. docker's default profile is
// most of a podman config's bytes; a caller that finds its compiled
// program in the cache (keyed on exactly these bytes) need not build the
// ~350 rule structs it would never read. DecodeSeccomp decodes them.
func LoadSplit(bundle string) (s *specs.Spec, config, seccomp []byte, err error) {
	data, err := readConfig(filepath.Join(bundle, "config.json"))
	if err != nil {
		return nil, nil, nil, err
	}
	s, sc, err := decodeSplit(data, true)
	return s, data, sc, err
}

// DecodeStored decodes a config the runtime stored after it was loaded
// and validated, leaving linux.seccomp undecoded as LoadSplit does: the
// short verbs (start, kill, delete, state) never read the profile.
func DecodeStored(config []byte) (*specs.Spec, []byte, error) {
	return decodeSplit(config, false)
}

func readConfig(path string) ([]byte, error) {
	// O_NOFOLLOW refuses a symlink as the last component (ELOOP);
	// O_NONBLOCK keeps open(2) from hanging on a FIFO.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("config.json: %s is a symlink; it must be a regular file", path)
		}
		if errors.Is(err, os.ErrNotExist) {
			// "no such file" lets podman map this to its exit code 127.
			return nil, fmt.Errorf("config.json: no such file %s: %w", path, err)
		}
		return nil, fmt.Errorf("config.json: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("config.json: %w", err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("config.json: %s is not a regular file (%s)", path, fileKind(st.Mode()))
	}
	if st.Size() > MaxConfigSize {
		return nil, fmt.Errorf("config.json: %s is %d bytes, more than the limit of %d", path, st.Size(), MaxConfigSize)
	}
	// Read one byte past the limit, in case the file grows after fstat.
	data, err := io.ReadAll(io.LimitReader(f, MaxConfigSize+1))
	if err != nil {
		return nil, fmt.Errorf("config.json: read %s: %w", path, err)
	}
	if len(data) > MaxConfigSize {
		return nil, fmt.Errorf("config.json: %s is more than the limit of %d bytes", path, MaxConfigSize)
	}
	return data, nil
}

func fileKind(m os.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&os.ModeNamedPipe != 0:
		return "a FIFO"
	case m&os.ModeSocket != 0:
		return "a socket"
	case m&os.ModeDevice != 0:
		return "a device"
	}
	return m.Type().String()
}

// SeccompJSON returns config.json's linux.seccomp exactly as written, or
// nil. The compiled-filter cache is keyed on these bytes: encoding the
// decoded profile again for a key cost a fresh runtime process ~0.4 ms
// (encoding/json builds its encoders on first use), most of what the
// default profile cost per start besides the kernel's share.
func SeccompJSON(config []byte) []byte {
	var raw struct {
		Linux *struct {
			Seccomp json.RawMessage `json:"seccomp"`
		} `json:"linux"`
	}
	if json.Unmarshal(config, &raw) != nil || raw.Linux == nil || string(raw.Linux.Seccomp) == "null" {
		return nil
	}
	return raw.Linux.Seccomp
}

// DecodeSeccomp decodes linux.seccomp's bytes (from LoadSplit or
// DecodeStored; nil gives nil). config is the whole file they came from:
// on an error it is decoded again whole, so the message names the line
// and column in config.json, not in the section.
func DecodeSeccomp(raw, config []byte) (*specs.LinuxSeccomp, error) {
	if raw == nil {
		return nil, nil
	}
	var sc specs.LinuxSeccomp
	if err := json.Unmarshal(raw, &sc); err != nil {
		if _, werr := decode(config); werr != nil {
			return nil, werr
		}
		return nil, fmt.Errorf("config.json: linux.seccomp: %w", err)
	}
	return &sc, nil
}

// splitSpec decodes like specs.Spec but keeps linux.seccomp and the other
// platforms' sections as bytes: encoding/json gives a key to the
// shallowest field of its name, so the fields here win over the embedded
// ones of the same names. Besides the ~350 rule structs of a profile,
// this spares encoding/json its per-type work for those parts of the
// runtime-spec type graph: on the first struct it decodes, Go 1.26's v1
// builds an encoder for every type reachable from it (typeFields), and a
// fresh runtime process paid that for the seccomp, Windows, Solaris, VM
// and z/OS types it never decodes.
type splitSpec struct {
	specs.Spec
	Linux   *splitLinux     `json:"linux,omitempty"`
	Solaris json.RawMessage `json:"solaris,omitempty"`
	Windows json.RawMessage `json:"windows,omitempty"`
	VM      json.RawMessage `json:"vm,omitempty"`
	ZOS     json.RawMessage `json:"zos,omitempty"`
}

type splitLinux struct {
	specs.Linux
	Seccomp json.RawMessage `json:"seccomp,omitempty"`
}

// decodeSplit is decode that leaves linux.seccomp as bytes (nil when it
// is absent or null). presence runs checkPresence, one more pass over
// the bytes that a config stored after validation does not need.
func decodeSplit(data []byte, presence bool) (*specs.Spec, []byte, error) {
	if start, end, ok := seccompSpan(data); ok {
		// Decode the file with the profile replaced by null: encoding/json
		// need not even scan it. On any error decode the original instead,
		// so the message's line and column are those of config.json as
		// written.
		cut := make([]byte, 0, len(data)-(end-start)+4)
		cut = append(append(append(cut, data[:start]...), "null"...), data[end:]...)
		if s, _, err := decodeSplitWith(cut, presence); err == nil {
			var sc []byte
			if string(data[start:end]) != "null" {
				sc = data[start:end]
			}
			return s, sc, nil
		}
	}
	return decodeSplitWhole(data, presence)
}

// decodeSplitWhole is decodeSplit by encoding/json alone, over the whole
// file: for the configs the walk is unsure of.
func decodeSplitWhole(data []byte, presence bool) (*specs.Spec, []byte, error) {
	s, sc, err := decodeSplitWith(data, presence)
	if err != nil {
		// encoding/json names the embedded types in a type error's path
		// ("Spec.process.user.uid"): the plain decode names the field as
		// config.json spells it. Errors are rare; decoding twice is fine.
		if _, perr := decode(data); perr != nil {
			return nil, nil, perr
		}
		return nil, nil, err
	}
	return s, sc, nil
}

// decodeSplitWith decodes data into a splitSpec and turns it into the
// spec and linux.seccomp's bytes.
func decodeSplitWith(data []byte, presence bool) (*specs.Spec, []byte, error) {
	var w splitSpec
	if err := decodeInto(data, &w, presence); err != nil {
		return nil, nil, err
	}
	s := w.Spec
	var sc []byte
	if w.Linux != nil {
		l := w.Linux.Linux
		s.Linux = &l
		if !isNull(w.Linux.Seccomp) {
			sc = w.Linux.Seccomp
		}
	}
	// Validate refuses these sections whatever they hold (a Linux runtime
	// cannot honour them): a non-nil value is all it needs to see.
	if !isNull(w.Solaris) {
		s.Solaris = &specs.Solaris{}
	}
	if !isNull(w.Windows) {
		s.Windows = &specs.Windows{}
	}
	if !isNull(w.VM) {
		s.VM = &specs.VM{}
	}
	if !isNull(w.ZOS) {
		s.ZOS = &specs.ZOS{}
	}
	return &s, sc, nil
}

// isNull: the key was absent (nil) or held JSON null, both of which
// encoding/json decodes to a nil pointer.
func isNull(raw json.RawMessage) bool { return raw == nil || string(raw) == "null" }

// decode parses config.json. Unknown keys are ignored, as the OCI spec
// allows. A single JSON value is expected: trailing data is an error,
// because it usually means two configs were concatenated.
func decode(data []byte) (*specs.Spec, error) {
	var s specs.Spec
	if err := decodeInto(data, &s, true); err != nil {
		return nil, err
	}
	return &s, nil
}

func decodeInto(data []byte, v any, presence bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(v); err != nil {
		return jsonError(data, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("config.json: %s: unexpected data after the JSON object", at(data, dec.InputOffset()-1))
	}
	if !presence {
		return nil
	}
	return checkPresence(data)
}

// jsonError turns a decoding error into one that says where it is.
func jsonError(data []byte, err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		// Offset counts the bytes read, the bad one included.
		return fmt.Errorf("config.json: %s: %w", at(data, syn.Offset-1), err)
	case errors.As(err, &typ):
		// Offset is just past the offending value.
		return &FieldError{Path: typ.Field, Msg: fmt.Sprintf("%s: JSON %s cannot be a %s",
			at(data, typ.Offset-1), typ.Value, typ.Type)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("config.json: %s: unexpected end of JSON", at(data, int64(len(data))))
	}
	return fmt.Errorf("config.json: %w", err)
}

// at describes the byte at index off as a 1-based line and column, which
// editors show, and the 0-based offset.
func at(data []byte, off int64) string {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	line := 1 + bytes.Count(before, []byte("\n"))
	col := int(off) - bytes.LastIndexByte(before, '\n')
	return fmt.Sprintf("line %d, column %d (offset %d)", line, col, off)
}

// checkPresence checks required fields whose zero value is meaningful, so
// the decoded struct cannot tell "0" from "missing": the process's uid and
// gid (0 is root, and the spec makes both REQUIRED on Linux), and the
// major/minor of device nodes (REQUIRED for every type but "p").
func checkPresence(data []byte) error {
	var raw struct {
		Process *struct {
			User *struct {
				UID *uint32 `json:"uid"`
				GID *uint32 `json:"gid"`
			} `json:"user"`
		} `json:"process"`
		Linux *struct {
			Devices []struct {
				Type  string `json:"type"`
				Major *int64 `json:"major"`
				Minor *int64 `json:"minor"`
			} `json:"devices"`
		} `json:"linux"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return jsonError(data, err)
	}
	var p problems
	if pr := raw.Process; pr != nil {
		switch {
		case pr.User == nil:
			p.add("process.user", "is required (uid and gid)")
		default:
			if pr.User.UID == nil {
				p.add("process.user.uid", "is required")
			}
			if pr.User.GID == nil {
				p.add("process.user.gid", "is required")
			}
		}
	}
	if raw.Linux != nil {
		for i, d := range raw.Linux.Devices {
			if d.Type == "p" {
				continue
			}
			if d.Major == nil {
				p.add(field(idx("linux.devices", i), "major"), "is required for a %q device", d.Type)
			}
			if d.Minor == nil {
				p.add(field(idx("linux.devices", i), "minor"), "is required for a %q device", d.Type)
			}
		}
	}
	return p.err()
}
