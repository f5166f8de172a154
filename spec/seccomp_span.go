package spec

import "bytes"

// seccompSpan finds where linux.seccomp's value lies in config.json, by
// walking the JSON's structure without decoding it. docker's default
// profile is ~20 KB of a ~24 KB podman config; encoding/json runs its
// byte-at-a-time scanner over it three times (finding the value's end,
// decoding, the presence check) even when the profile is kept as raw
// bytes, which cost a fresh runtime process most of the profile's price
// on a compile-cache hit. Cutting the span out first leaves the decoder
// a 4 KB document.
//
// ok is false whenever the walk is unsure that encoding/json would give
// the same answer, and the caller then decodes the whole file as before:
// a key with an escape (`"\u006cinux"`), a key that matches only without
// regard to case (encoding/json matches "LINUX" or "ſeccomp" too), a key
// given twice, or anything malformed. The walk validates nothing: the
// caller decodes the rest, and the span's bytes are either decoded or
// found in the compile cache, which holds only bytes that once decoded
// and compiled.
func seccompSpan(data []byte) (start, end int, ok bool) {
	w := walker{b: data}
	w.space()
	if !w.eat('{') {
		return 0, 0, false
	}
	found, have := false, false
	ok = w.members(func(key []byte) bool {
		if string(key) != "linux" {
			return w.skip()
		}
		if found || !w.eat('{') {
			return false // twice, or linux is not an object: the slow path decides
		}
		found = true
		return w.members(func(key []byte) bool {
			if string(key) != "seccomp" {
				return w.skip()
			}
			if have {
				return false
			}
			have = true
			start = w.i
			if !w.skip() {
				return false
			}
			end = w.i
			return true
		})
	})
	// Without a seccomp key there is nothing to cut: the whole decode
	// is cheap then.
	if !ok || !have {
		return 0, 0, false
	}
	return start, end, true
}

// walker is a cursor over JSON text that can skip a value and list an
// object's keys. Every step stays inside b: it never indexes past the end.
type walker struct {
	b []byte
	i int
}

func (w *walker) space() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

// eat consumes c after optional white space.
func (w *walker) eat(c byte) bool {
	w.space()
	if w.i < len(w.b) && w.b[w.i] == c {
		w.i++
		return true
	}
	return false
}

// members walks an object whose '{' was eaten, calling f with the cursor
// on each value; f must consume it. It returns false when f does, on a
// malformed object, and on a key that is escaped or matches "linux" or
// "seccomp" only case-insensitively.
func (w *walker) members(f func(key []byte) bool) bool {
	if w.eat('}') {
		return true
	}
	for {
		w.space()
		key, ok := w.str()
		if !ok || bytes.IndexByte(key, '\\') >= 0 || ambiguous(key) || !w.eat(':') {
			return false
		}
		w.space()
		if !f(key) {
			return false
		}
		if w.eat(',') {
			continue
		}
		return w.eat('}')
	}
}

// ambiguous: a key encoding/json would match to linux or seccomp that is
// not spelled so.
func ambiguous(key []byte) bool {
	for _, name := range []string{"linux", "seccomp"} {
		if string(key) != name && bytes.EqualFold(key, []byte(name)) {
			return true
		}
	}
	return false
}

// str reads a string at the cursor and returns its bytes between the
// quotes, escapes left as written.
func (w *walker) str() ([]byte, bool) {
	if w.i >= len(w.b) || w.b[w.i] != '"' {
		return nil, false
	}
	start := w.i + 1
	for j := start; j < len(w.b); j++ {
		switch w.b[j] {
		case '\\':
			j++ // the escaped byte cannot end the string
		case '"':
			w.i = j + 1
			return w.b[start:j], true
		}
	}
	return nil, false
}

// skip consumes one value: a string, an object or array (by depth,
// strings inside skipped whole), or a literal or number (up to the next
// delimiter).
func (w *walker) skip() bool {
	w.space()
	if w.i >= len(w.b) {
		return false
	}
	switch w.b[w.i] {
	case '"':
		_, ok := w.str()
		return ok
	case '{', '[':
		depth := 0
		for w.i < len(w.b) {
			switch w.b[w.i] {
			case '"':
				if _, ok := w.str(); !ok {
					return false
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					w.i++
					return true
				}
			}
			w.i++
		}
		return false
	}
	start := w.i
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return w.i > start
		}
		w.i++
	}
	return w.i > start
}
