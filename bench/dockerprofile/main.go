// Command dockerprofile prints docker's default seccomp profile in the
// runtime-spec's form (linux.seccomp), for docker's default capabilities:
// what podman sends and what `mycontainer run` applies. bench/run.sh puts
// it into the "seccomp" variant's config.json for every runtime.
package main

import (
	"encoding/json"
	"fmt"
	"os"

	"mycontainer/spec"

	mobyseccomp "github.com/moby/profiles/seccomp"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

func main() {
	s := &specs.Spec{Process: &specs.Process{Capabilities: &specs.LinuxCapabilities{Bounding: spec.DockerCaps}}}
	p, err := mobyseccomp.GetDefaultProfile(s)
	if err == nil {
		err = json.NewEncoder(os.Stdout).Encode(p)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "dockerprofile:", err)
		os.Exit(1)
	}
}
