package image

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Container is one container's copy-on-write root: the image's layers as
// read-only lower directories, and an upper and work directory of its
// own under containers/PID-START/, named after the runtime process that
// owns it so that the next run can remove it if that process was killed.
type Container struct {
	Dir         string
	Upper, Work string
	Lower       []string // top layer first, as overlayfs lists them
}

// NewContainer makes a container's directories for the image's layers.
func (s *Store) NewContainer(im *Image) (*Container, error) {
	lower := make([]string, 0, len(im.Layers))
	for i := len(im.Layers) - 1; i >= 0; i-- {
		lower = append(lower, s.LayerDir(im.Layers[i]))
	}
	return s.NewOverlay(lower, im.Layers)
}

// NewOverlay makes a container's upper and work directories over the
// given lower directories (top first); layers names the store's layers
// among them, which prune must keep while the container lives.
func (s *Store) NewOverlay(lower, layers []string) (*Container, error) {
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
	s.SweepContainers()
	start, err := startTime(os.Getpid())
	if err != nil {
		return nil, err
	}
	dir := s.path("containers", fmt.Sprintf("%d-%d", os.Getpid(), start))
	c := &Container{Dir: dir, Upper: dir + "/upper", Work: dir + "/work", Lower: lower}
	for _, d := range []string{dir, c.Upper, c.Work} {
		if err := os.Mkdir(d, 0o700); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("container directory: %w", err)
		}
	}
	// The root of the merged tree is the upper's: 0755 as images expect.
	if err := os.Chmod(c.Upper, 0o755); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := os.WriteFile(dir+"/layers", []byte(strings.Join(layers, "\n")), 0o600); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return c, nil
}

// Remove deletes the container's upper and work directories.
func (c *Container) Remove() error { return os.RemoveAll(c.Dir) }

// SweepContainers removes the directories of containers whose runtime
// process is gone (a SIGKILLed run): its PID is not running, or runs with
// another start time.
func (s *Store) SweepContainers() {
	ents, err := os.ReadDir(s.path("containers"))
	if err != nil {
		return
	}
	for _, e := range ents {
		if !ownerAlive(e.Name()) {
			os.RemoveAll(s.path("containers", e.Name()))
		}
	}
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

// liveLayers lists the layers of the store's live containers.
func (s *Store) liveLayers() []string {
	var out []string
	ents, _ := os.ReadDir(s.path("containers"))
	for _, e := range ents {
		if !ownerAlive(e.Name()) {
			continue
		}
		b, _ := os.ReadFile(s.path("containers", e.Name(), "layers"))
		out = append(out, strings.Fields(string(b))...)
	}
	return out
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
