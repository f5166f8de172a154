package image

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Container is one container's copy-on-write root: the image's layers as
// read-only lower directories, and an upper and work directory of its
// own under containers/PID-START/, named after the runtime process that
// owns it so that the next run can remove it if that process was killed;
// or, kept (run --name or --keep), under kept/NAME/ (kept.go).
type Container struct {
	Dir         string
	Upper, Work string
	Lower       []string // top layer first, as overlayfs lists them
	Name        string   // kept under kept/NAME, or "" when removed at exit
	lockFD      int      // a kept container's flock, held while it runs
}

// Use says what a container is made of, for rmi and prune: the image (its
// ID and the reference run was given, or --overlay's rootfs directory)
// and the store's layers among its lower directories; and the name to
// keep it under, if any.
type Use struct {
	ImageID, Ref string
	Layers       []string
	Keep         string
}

// NewContainer makes a container's directories for the image's layers.
func (s *Store) NewContainer(im *Image, ref, keep string) (*Container, error) {
	lower := make([]string, 0, len(im.Layers))
	for i := len(im.Layers) - 1; i >= 0; i-- {
		lower = append(lower, s.LayerDir(im.Layers[i]))
	}
	return s.NewOverlay(lower, Use{ImageID: im.ID, Ref: ref, Layers: im.Layers, Keep: keep})
}

// NewOverlay makes a container's upper and work directories over the
// given lower directories (top first). It writes what the container uses
// into its directory's "uses" file, which rmi and prune read while the
// directory exists.
func (s *Store) NewOverlay(lower []string, use Use) (*Container, error) {
	unlock, err := s.lock(false)
	if err != nil {
		return nil, err
	}
	defer unlock()
	for _, l := range lower {
		if fi, err := os.Stat(l); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("layer %s is missing from the store (pull the image again)", l)
		}
	}
	if use.Keep != "" {
		if err := s.nameFree(use.Keep); err != nil {
			return nil, err
		}
	}
	spares := s.SweepContainers()
	start, err := startTime(os.Getpid())
	if err != nil {
		return nil, err
	}
	owner := fmt.Sprintf("%d-%d", os.Getpid(), start)
	dir := s.path("containers", owner)
	c := &Container{Dir: dir, Upper: dir + "/upper", Work: dir + "/work", Lower: lower, lockFD: -1}
	if s.claimSpare(spares, dir) {
		if err := rewriteUses(dir+"/uses", use.encode(owner)); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("container directory: %w", err)
		}
	} else if err := c.make(use.encode(owner)); err != nil {
		return nil, err
	}
	if use.Keep != "" {
		// Made whole under containers/ (swept if this run is killed), then
		// renamed: kept/NAME is a whole container or absent.
		if err := s.keep(c, use.Keep); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	return c, nil
}

// make makes the container's directories and its uses file.
func (c *Container) make(uses []byte) error {
	for _, d := range []string{c.Dir, c.Upper, c.Work} {
		if err := os.Mkdir(d, 0o700); err != nil {
			os.RemoveAll(c.Dir)
			return fmt.Errorf("container directory: %w", err)
		}
	}
	// The root of the merged tree is the upper's: 0755 as images expect.
	if err := os.Chmod(c.Upper, 0o755); err != nil {
		os.RemoveAll(c.Dir)
		return err
	}
	if err := os.WriteFile(c.Dir+"/uses", uses, 0o600); err != nil {
		os.RemoveAll(c.Dir)
		return fmt.Errorf("container directory: %w", err)
	}
	return nil
}

// End removes the container's upper and work directories (or keeps them
// as a spare, spares.go), or, for a kept container, only lets go of its
// lock. The container must have ended: every process of it gone.
func (c *Container) End() error {
	if c.Name != "" {
		return unix.Close(c.lockFD)
	}
	if c.spare() {
		return nil
	}
	return os.RemoveAll(c.Dir)
}

// encode is the uses file: one "key value" per line (a value is quoted
// where it may hold spaces), read by readUses.
func (u Use) encode(owner string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "owner %s\n", owner)
	if u.ImageID != "" {
		fmt.Fprintf(&b, "image %s\n", u.ImageID)
	}
	if u.Ref != "" {
		fmt.Fprintf(&b, "ref %s\n", strconv.Quote(u.Ref))
	}
	for _, l := range u.Layers {
		fmt.Fprintf(&b, "layer %s\n", l)
	}
	return []byte(b.String())
}

// uses is a container's uses file, read back.
type uses struct {
	owner, imageID, ref string
	layers              []string
}

func readUses(dir string) uses {
	var u uses
	b, _ := os.ReadFile(dir + "/uses")
	for _, l := range strings.Split(string(b), "\n") {
		k, v, _ := strings.Cut(l, " ")
		switch k {
		case "owner":
			u.owner = v
		case "image":
			u.imageID = v
		case "ref":
			u.ref, _ = strconv.Unquote(v)
		case "layer":
			u.layers = append(u.layers, v)
		}
	}
	return u
}

// SweepContainers removes the directories of containers whose runtime
// process is gone (a SIGKILLed run): its PID is not running, or runs with
// another start time. Kept containers are elsewhere (kept/). It returns
// the spares it saw.
func (s *Store) SweepContainers() (spares []string) {
	ents, err := os.ReadDir(s.path("containers"))
	if err != nil {
		return nil
	}
	for _, e := range ents {
		switch {
		case isSpare(e.Name()):
			spares = append(spares, e.Name())
		case !ownerAlive(e.Name()):
			os.RemoveAll(s.path("containers", e.Name()))
		}
	}
	return spares
}

func ownerAlive(n string) bool {
	p, st, ok := strings.Cut(n, "-")
	pid, err1 := strconv.Atoi(p)
	start, err2 := strconv.ParseUint(st, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return false
	}
	got, err := startTime(pid)
	return err == nil && got == start
}

// startTime is field 22 of /proc/PID/stat: with the PID, it names one
// process for good (a PID is reused, the pair is not).
func startTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command field", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: short", pid)
	}
	return strconv.ParseUint(f[19], 10, 64)
}
