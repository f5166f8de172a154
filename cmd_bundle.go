package main

import (
	"encoding/json"
	"fmt"
	"os"

	"mycontainer/spec"
)

// bundleCmd writes an image out as an OCI bundle: what `run --bundle`,
// runc and crun run. The config is the one `run --image` would use
// (docker's defaults, the image's Entrypoint, Cmd, Env, WorkingDir and
// User), with the rootfs a plain copy instead of an overlay.
type bundleCmd struct {
	storageFlag
	Entrypoint *string  `help:"Replace the image's Entrypoint (\"\" clears it)." placeholder:"CMD"`
	Env        []string `short:"e" help:"Set an environment variable over the image's." placeholder:"K=V"`
	Workdir    string   `short:"w" help:"Working directory instead of the image's." placeholder:"DIR"`
	User       string   `short:"u" help:"User instead of the image's: UID[:GID] or a name from the image's /etc/passwd." placeholder:"UID[:GID]"`
	Hostname   string   `help:"Hostname inside the container." default:"container-host"`
	Ref        string   `arg:"" help:"Image reference (pull or import it first)."`
	Dir        string   `arg:"" help:"The bundle directory: new, or empty (not a symlink)."`
	Command    []string `arg:"" optional:"" passthrough:"partial" help:"Command and arguments instead of the image's Cmd."`
}

func (c *bundleCmd) run() error {
	if len(c.Command) > 0 && c.Command[0] == "--" {
		c.Command = c.Command[1:]
	}
	s, err := c.open()
	if err != nil {
		return err
	}
	im, err := s.Lookup(c.Ref)
	if err != nil {
		return err
	}
	ic, err := s.Config(im)
	if err != nil {
		return err
	}
	f := &spec.Friendly{Hostname: c.Hostname, Workdir: c.Workdir, User: c.User, Net: "host",
		Env: c.Env, Command: c.Command}
	if err := applyImageConfig(f, ic, c.Entrypoint, c.Ref); err != nil {
		return err
	}
	err = s.WriteBundle(im, c.Dir, func(rootfs string) ([]byte, error) {
		f.Rootfs = rootfs
		sp, _, err := f.Spec()
		if err != nil {
			return nil, err
		}
		sp.Root.Path = "rootfs"
		// 1.0.2: crun 1.8 (Debian 12's) refuses any version but 1.0.x
		// ("unknown version specified"); every field written here is 1.0.2's.
		sp.Version = "1.0.2"
		return json.MarshalIndent(sp, "", "\t")
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "bundle of %s in %s: run it with `mycontainer run --bundle %s ID` (or runc, crun)\n", c.Ref, c.Dir, c.Dir)
	return nil
}
