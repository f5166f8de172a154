package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"mycontainer/image"
	"mycontainer/spec"

	"github.com/alecthomas/kong"
	"golang.org/x/sys/unix"
)

// The image verbs: pull, import, images, rmi, and `image prune|ls|rm|
// pull|import`. They have their own small parser (imageCLI), so that the
// runtime's CLI gains one line for them.

type storageFlag struct {
	Storage string `help:"Image store directory (default: $MYCONTAINER_STORAGE, else /var/lib/mycontainer)." placeholder:"DIR"`
}

func (s storageFlag) open() (*image.Store, error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("root is needed (running as uid %d): layers hold files of every owner, whiteouts are device nodes, opaque directories trusted.* xattrs", os.Geteuid())
	}
	return image.Open(image.RootFromEnv(s.Storage))
}

type pullCmd struct {
	storageFlag
	Insecure bool   `help:"Speak plain HTTP to the registry (localhost and 127.0.0.1 always do)."`
	Quiet    bool   `short:"q" help:"Print only the image ID."`
	Ref      string `arg:"" help:"Image reference, e.g. busybox or 127.0.0.1:5000/test/busybox:t."`
}

type importCmd struct {
	storageFlag
	Tag   string `help:"Name the image (instead of the names the archive carries)." placeholder:"NAME"`
	Quiet bool   `short:"q" help:"Print only the image IDs."`
	Path  string `arg:"" help:"A docker-archive or oci-archive tar, or an OCI layout directory."`
}

type imagesCmd struct {
	storageFlag
	Format string `enum:"table,json" default:"table" help:"table or json."`
	Quiet  bool   `short:"q" help:"Print only the image IDs."`
}

type rmiCmd struct {
	storageFlag
	Force bool     `short:"f" help:"Remove an image even if a running or kept container uses it (its layers stay until no container does)."`
	Refs  []string `arg:"" help:"Image names or IDs."`
}

type rmCmd struct {
	storageFlag
	Names []string `arg:"" help:"Names of kept containers (run --name, or the name run --keep printed)."`
}

type containersCmd struct {
	storageFlag
	Quiet bool `short:"q" help:"Print only the names."`
}

type pruneCmd struct {
	storageFlag
}

type imageVerbs struct {
	// The runtime's global flags, accepted where they come.
	Root      string `hidden:""`
	Log       string `hidden:""`
	LogFormat string `hidden:""`
	Debug     bool   `hidden:""`

	Pull      pullCmd   `cmd:"" help:"Pull an image from a registry into the store."`
	Import    importCmd `cmd:"" help:"Import a docker-archive, oci-archive or OCI layout into the store."`
	Images    imagesCmd `cmd:"" help:"List the store's images."`
	Rmi       rmiCmd    `cmd:"" help:"Remove images (and their layers no other image or container uses)."`
	Bundle    bundleCmd `cmd:"" help:"Write an image out as an OCI bundle (config.json and rootfs/) for run --bundle, runc or crun."`
	Rm        rmCmd     `cmd:"" help:"Remove kept containers' files (run --name or --keep)."`
	Container struct {
		Ls containersCmd `cmd:"" help:"List the kept containers and the running image containers."`
		Rm rmCmd         `cmd:"" help:"Remove kept containers' files."`
	} `cmd:"" help:"Manage containers run from images."`
	Image struct {
		Ls     imagesCmd `cmd:"" help:"List the store's images."`
		Pull   pullCmd   `cmd:"" help:"Pull an image."`
		Import importCmd `cmd:"" help:"Import an archive or layout."`
		Rm     rmiCmd    `cmd:"" help:"Remove images."`
		Prune  pruneCmd  `cmd:"" help:"Remove layers and blobs no image uses, and what killed pulls left."`
	} `cmd:"" help:"Manage images."`
}

// imageCLI runs an image verb; ok is false when args hold none.
func imageCLI(args []string) (code int, ok bool) {
	switch verbOf(args) {
	case "pull", "import", "images", "rmi", "image", "bundle", "rm", "container":
	default:
		return 0, false
	}
	var v imageVerbs
	parser, err := kong.New(&v, kong.Name("mycontainer"), kong.UsageOnError(),
		kong.Exit(func(code int) { os.Exit(code) }))
	if err != nil {
		return fail(err), true
	}
	ctx, err := parser.Parse(args)
	if err != nil {
		// Not fail(err): kong's parse errors carry exit code 80; bad flags
		// exit 125, as run's do.
		fmt.Fprintf(os.Stderr, "mycontainer: %v\n", err)
		return exitRuntime, true
	}
	var run func() error
	switch ctx.Command() {
	case "pull <ref>", "image pull <ref>":
		c := pick(ctx.Command(), &v.Pull, &v.Image.Pull)
		run = c.run
	case "import <path>", "image import <path>":
		c := pick(ctx.Command(), &v.Import, &v.Image.Import)
		run = c.run
	case "images", "image ls":
		c := pick(ctx.Command(), &v.Images, &v.Image.Ls)
		run = c.run
	case "rmi <refs>", "image rm <refs>":
		c := pick(ctx.Command(), &v.Rmi, &v.Image.Rm)
		run = c.run
	case "bundle <ref> <dir>", "bundle <ref> <dir> <command>":
		run = v.Bundle.run
	case "image prune":
		run = v.Image.Prune.run
	case "rm <names>", "container rm <names>":
		c := pick2(ctx.Command(), &v.Rm, &v.Container.Rm)
		run = c.run
	case "container ls":
		run = v.Container.Ls.run
	default:
		return fail(fmt.Errorf("unknown command %q", ctx.Command())), true
	}
	if err := run(); err != nil {
		return fail(err), true
	}
	return 0, true
}

func pick[T any](cmd string, top, sub *T) *T {
	if strings.HasPrefix(cmd, "image ") {
		return sub
	}
	return top
}

func pick2[T any](cmd string, top, sub *T) *T {
	if strings.HasPrefix(cmd, "container ") {
		return sub
	}
	return top
}

// helper is mycontainer-image, beside this binary (or
// $MYCONTAINER_IMAGE_HELPER): pull and import run there, so that this
// binary carries no registry client.
func helper() (string, error) {
	if h := os.Getenv("MYCONTAINER_IMAGE_HELPER"); h != "" {
		return h, nil
	}
	exe, err := os.Executable()
	if err != nil {
		return "", err
	}
	h := filepath.Join(filepath.Dir(exe), "mycontainer-image")
	if _, err := os.Stat(h); err != nil {
		return "", fmt.Errorf("pull and import need mycontainer-image beside %s (make build makes it): %w", exe, err)
	}
	return h, nil
}

func execHelper(args ...string) error {
	h, err := helper()
	if err != nil {
		return err
	}
	err = unix.Exec(h, append([]string{"mycontainer-image"}, args...), os.Environ())
	return fmt.Errorf("exec %s (pull and import run there): %w", h, err)
}

func flag01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (c *pullCmd) run() error {
	if _, err := c.open(); err != nil {
		return err
	}
	return execHelper("pull", image.RootFromEnv(c.Storage), flag01(c.Insecure), flag01(c.Quiet), c.Ref)
}

func (c *importCmd) run() error {
	if _, err := c.open(); err != nil {
		return err
	}
	return execHelper("import", image.RootFromEnv(c.Storage), c.Tag, flag01(c.Quiet), c.Path)
}

func (c *imagesCmd) run() error {
	s, err := c.open()
	if err != nil {
		return err
	}
	ims, err := s.Images()
	if err != nil {
		return err
	}
	switch {
	case c.Format == "json":
		if ims == nil {
			ims = []*image.Image{}
		}
		b, err := json.Marshal(ims)
		if err != nil {
			return err
		}
		fmt.Println(string(b))
	case c.Quiet:
		for _, im := range ims {
			fmt.Println(im.ID)
		}
	default:
		w := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
		fmt.Fprintln(w, "NAME\tIMAGE ID\tLAYERS\tSIZE\tCREATED")
		for _, im := range ims {
			names := im.Names
			if len(names) == 0 {
				names = []string{"<none>"}
			}
			for _, n := range names {
				fmt.Fprintf(w, "%s\t%.12s\t%d\t%s\t%s\n", image.ShortName(n), strings.TrimPrefix(im.ID, "sha256:"),
					len(im.Layers), image.Human(im.Size), im.Created.Local().Format(time.DateTime))
			}
		}
		return w.Flush()
	}
	return nil
}

func (c *rmiCmd) run() error {
	s, err := c.open()
	if err != nil {
		return err
	}
	var errs []error
	for _, r := range c.Refs {
		im, err := s.Remove(r, c.Force)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Printf("removed %s (%s)\n", r, im.ID)
	}
	return errors.Join(errs...)
}

func (c *rmCmd) run() error {
	s, err := c.open()
	if err != nil {
		return err
	}
	var errs []error
	for _, n := range c.Names {
		if err := s.RemoveContainer(n); err != nil {
			errs = append(errs, err)
			continue
		}
		fmt.Println("removed", n)
	}
	return errors.Join(errs...)
}

func (c *containersCmd) run() error {
	s, err := c.open()
	if err != nil {
		return err
	}
	cs, err := s.Containers()
	if err != nil {
		return err
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 8, 3, ' ', 0)
	if !c.Quiet {
		fmt.Fprintln(w, "NAME\tIMAGE\tSTATUS\tFILES")
	}
	for _, ct := range cs {
		name, status, what := ct.Name, "exited", ct.Ref
		if name == "" {
			name = "-"
		}
		if ct.Running {
			status = "running (run pid " + ct.PID + ")"
		}
		if ct.ImageID == "" {
			what = "--overlay " + ct.Ref
		}
		if c.Quiet {
			if ct.Name != "" {
				fmt.Fprintln(w, ct.Name)
			}
			continue
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\n", name, what, status, ct.Dir+"/upper")
	}
	return w.Flush()
}

func (c *pruneCmd) run() error {
	s, err := c.open()
	if err != nil {
		return err
	}
	removed, err := s.Prune()
	for _, r := range removed {
		fmt.Println("removed", r)
	}
	return err
}

// imageRoot gives run --image (and --overlay) its copy-on-write root: the
// image's Entrypoint, Cmd, Env, WorkingDir and User apply unless flags
// say otherwise, as in docker run. The returned cleanup removes the
// container's upper and work directories.
func (r *runCmd) imageRoot(f *spec.Friendly) (func(), error) {
	keep := r.Name
	if keep != "" {
		if err := image.ValidName(keep); err != nil {
			return nil, err
		}
	} else if r.Keep {
		name, err := image.NewName()
		if err != nil {
			return nil, err
		}
		keep = name
	}
	s, err := image.Open(image.RootFromEnv(r.Storage))
	if err != nil {
		return nil, err
	}
	var c *image.Container
	if r.Image == "" { // --overlay over a plain rootfs
		if r.Rootfs == "" {
			return nil, errors.New("--overlay needs --rootfs DIR (the host's / is already read-only)")
		}
		dir, err := filepath.Abs(r.Rootfs)
		if err == nil {
			dir, err = filepath.EvalSymlinks(dir)
		}
		if err != nil {
			return nil, fmt.Errorf("rootfs %s: %w", r.Rootfs, err)
		}
		if dir == "/" {
			return nil, errors.New("--overlay over the host's /: refused (the default root is the host's / read-only)")
		}
		if c, err = s.NewOverlay([]string{dir}, image.Use{Ref: dir, Keep: keep}); err != nil {
			return nil, err
		}
	} else {
		if r.Rootfs != "" {
			return nil, errors.New("--image and --rootfs: choose one root")
		}
		im, cfg, err := s.LookupRun(r.Image)
		if err != nil {
			return nil, err
		}
		if err := applyImageConfig(f, cfg, r.Entrypoint, r.Image); err != nil {
			return nil, err
		}
		if c, err = s.NewContainer(im, r.Image, keep); err != nil {
			return nil, err
		}
	}
	f.Overlay = &spec.Overlay{Lower: c.Lower, Upper: c.Upper, Work: c.Work, String: !image.LowerdirPlus()}
	return func() {
		if err := c.End(); err != nil {
			fmt.Fprintf(os.Stderr, "mycontainer: remove the container's upper directory: %v\n", err)
		}
		if c.Name != "" && r.Name == "" {
			fmt.Fprintf(os.Stderr, "mycontainer: kept the container's files as %s (in %s); `mycontainer rm %s` removes them\n", c.Name, c.Dir, c.Name)
		}
	}, nil
}

// applyImageConfig gives f the image's Entrypoint, Cmd, Env, WorkingDir
// and User, as docker run does: a command replaces the Cmd and keeps the
// Entrypoint, --entrypoint replaces the Entrypoint ("" clears it), -w and
// -u win over the WorkingDir and User.
func applyImageConfig(f *spec.Friendly, ic *image.ImageConfig, entrypoint *string, ref string) error {
	args := ic.Entrypoint
	if entrypoint != nil {
		args = nil
		if *entrypoint != "" {
			args = []string{*entrypoint}
		}
	}
	if len(f.Command) > 0 {
		args = append(args[:len(args):len(args)], f.Command...)
	} else if entrypoint == nil || *entrypoint == "" {
		args = append(args[:len(args):len(args)], ic.Cmd...)
	}
	if len(args) == 0 {
		return fmt.Errorf("image %s has no Entrypoint or Cmd: give a command", ref)
	}
	f.Command, f.ImageEnv = args, ic.Env
	if f.Workdir == "" {
		f.Workdir = ic.WorkingDir
	}
	if f.User == "" {
		f.User = ic.User
	}
	return nil
}
