package seccomp

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"sync"
)

// The compiled-filter cache is keyed on the running build, so that a
// change to what Compile makes of a profile (the ENOSYS stub, the rule
// order, libseccomp linked in statically) can never load a program that an
// older build compiled. A format number bumped by hand was forgotten once
// too often to be the guard. The Go linker writes a build ID note (a hash
// of every input of the build) into every executable; it sits in a PT_NOTE
// segment at the start of the file, so reading it costs one open and a
// few small reads, not a hash of the 7 MB binary.

const (
	noteGoBuildID  = 4 // the Go linker's note type, name "Go"
	noteGNUBuildID = 3 // NT_GNU_BUILD_ID, name "GNU": what an external linker writes
)

var (
	buildIDOnce sync.Once
	buildIDVal  []byte
	buildIDErr  error
)

// selfBuildID is the running executable's build ID, read once.
func selfBuildID() ([]byte, error) {
	buildIDOnce.Do(func() { buildIDVal, buildIDErr = fileBuildID("/proc/self/exe") })
	return buildIDVal, buildIDErr
}

// fileBuildID reads the Go build ID note of a 64-bit little-endian ELF
// file (what this runtime is built for), or its GNU one when the Go note
// is missing. It reads the program headers by hand: debug/elf would add
// its package inits (zstd, dwarf) to every start of every process.
func fileBuildID(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("build ID of %s: %w", path, err)
	}
	defer f.Close()
	var eh [64]byte
	if _, err := f.ReadAt(eh[:], 0); err != nil || string(eh[:4]) != "\x7fELF" || eh[4] != 2 || eh[5] != 1 {
		return nil, fmt.Errorf("build ID of %s: not a 64-bit little-endian ELF file", path)
	}
	le := binary.LittleEndian
	phoff, phentsize, phnum := le.Uint64(eh[32:]), uint64(le.Uint16(eh[54:])), uint64(le.Uint16(eh[56:]))
	if phentsize < 56 || phnum > 64 {
		return nil, fmt.Errorf("build ID of %s: odd program headers (%d of %d bytes)", path, phnum, phentsize)
	}
	ph := make([]byte, phentsize*phnum)
	if _, err := f.ReadAt(ph, int64(phoff)); err != nil {
		return nil, fmt.Errorf("build ID of %s: read program headers: %w", path, err)
	}
	var gnu []byte
	for i := uint64(0); i < phnum; i++ {
		h := ph[i*phentsize:]
		const ptNote = 4
		off, size := le.Uint64(h[8:]), le.Uint64(h[32:]) // p_offset, p_filesz
		if le.Uint32(h) != ptNote || size > 1<<16 {
			continue
		}
		data := make([]byte, size)
		if _, err := f.ReadAt(data, int64(off)); err != nil {
			return nil, fmt.Errorf("build ID of %s: read note segment: %w", path, err)
		}
		if id := findNote(data, le, "Go", noteGoBuildID); len(id) > 0 {
			return id, nil
		}
		if id := findNote(data, le, "GNU", noteGNUBuildID); len(id) > 0 && gnu == nil {
			gnu = id
		}
	}
	if gnu != nil {
		return gnu, nil
	}
	return nil, fmt.Errorf("build ID of %s: no Go or GNU build ID note", path)
}

// findNote walks the notes of one PT_NOTE segment: namesz, descsz, type,
// then the name and the description, each padded to 4 bytes.
func findNote(data []byte, bo binary.ByteOrder, name string, typ uint32) []byte {
	for len(data) >= 12 {
		namesz, descsz, t := bo.Uint32(data), bo.Uint32(data[4:]), bo.Uint32(data[8:])
		data = data[12:]
		nameEnd := (uint64(namesz) + 3) &^ 3
		descEnd := nameEnd + (uint64(descsz)+3)&^3
		if descEnd > uint64(len(data)) {
			return nil
		}
		n := bytes.TrimRight(data[:namesz], "\x00")
		if t == typ && string(n) == name && descsz > 0 {
			return bytes.Clone(data[nameEnd : nameEnd+uint64(descsz)])
		}
		data = data[descEnd:]
	}
	return nil
}
