// mycontainer-seccomp compiles seccomp profiles for the runtime: it carries
// libseccomp (package seccomp/compile), so the runtime's own binary, which
// every container start runs twice, pays no package init for it. The
// runtime runs it on the host only when its compile cache misses.
//
//	mycontainer-seccomp compile   profile (runtime-spec LinuxSeccomp JSON) on
//	                              stdin, the program on stdout (seccomp.Reply)
//	mycontainer-seccomp version   the linked libseccomp's version
//
// An error in the profile is one line on stderr, naming its JSON path
// (linux.seccomp...), and exit status 1.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	specs "github.com/opencontainers/runtime-spec/specs-go"

	"mycontainer/seccomp"
	"mycontainer/seccomp/compile"
)

// maxProfile bounds the profile read from stdin: config.json's own limit
// is larger than any profile a runtime sends.
const maxProfile = 16 << 20

func main() {
	if len(os.Args) != 2 {
		fail(2, "usage: mycontainer-seccomp compile|version")
	}
	switch os.Args[1] {
	case "compile":
		out, err := compileStdin()
		if err != nil {
			fail(1, err.Error())
		}
		if _, err := os.Stdout.Write(out); err != nil {
			fail(2, "mycontainer-seccomp: writing the program: "+err.Error())
		}
	case "version":
		maj, min, micro := compile.LibraryVersion()
		fmt.Printf("%d.%d.%d\n", maj, min, micro)
	default:
		fail(2, "usage: mycontainer-seccomp compile|version")
	}
}

func compileStdin() ([]byte, error) {
	in, err := io.ReadAll(io.LimitReader(os.Stdin, maxProfile+1))
	if err != nil {
		return nil, fmt.Errorf("linux.seccomp: reading the profile from stdin: %w", err)
	}
	if len(in) > maxProfile {
		return nil, fmt.Errorf("linux.seccomp: the profile is larger than %d bytes", maxProfile)
	}
	var s specs.LinuxSeccomp
	d := json.NewDecoder(bytes.NewReader(in))
	d.DisallowUnknownFields() // the runtime encodes this struct: anything else is a mismatch
	if err := d.Decode(&s); err != nil {
		return nil, fmt.Errorf("linux.seccomp: decoding the profile from the runtime: %w", err)
	}
	prog, flags, skipped, err := compile.CompileReport(&s)
	if err != nil {
		return nil, err
	}
	return seccomp.EncodeReply(seccomp.Reply{Prog: prog, Flags: flags, Skipped: skipped}), nil
}

func fail(code int, msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(code)
}
