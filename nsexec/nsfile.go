package nsexec

import (
	"errors"
	"fmt"
	"strconv"

	"golang.org/x/sys/unix"
)

// nsNames are the namespace types by CLONE_NEW* flag, for messages.
var nsNames = map[uint32]string{
	unix.CLONE_NEWNS: "mount", unix.CLONE_NEWUTS: "uts", unix.CLONE_NEWIPC: "ipc",
	unix.CLONE_NEWUSER: "user", unix.CLONE_NEWPID: "pid", unix.CLONE_NEWNET: "network",
	unix.CLONE_NEWCGROUP: "cgroup", unix.CLONE_NEWTIME: "time",
}

// CheckNamespaceFile makes sure path is a namespace file of type typ (a
// CLONE_NEW* flag) before anything is started, so a bad path fails with
// a clear message instead of in stage-1. join.c repeats the check, since
// the path can change in between; this one is for the message and for
// failing before a state directory or cgroup exists.
//
// A plain open() of a FIFO blocks until a writer appears, which hung
// `create` for ever: the file is opened O_PATH, which never runs the
// file's open routine, and only reopened for real once statfs says it is
// on nsfs, where opening cannot block.
func CheckNamespaceFile(path string, typ uint32) error {
	want := nsNames[typ]
	fail := func(why string, err error) error {
		return fmt.Errorf("%s namespace %s: %s: %w (want /proc/PID/ns/%s or a bind mount of one)", want, path, why, err, nsLinkName(typ))
	}
	fd, err := unix.Open(path, unix.O_PATH|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("open", err)
	}
	defer unix.Close(fd)
	var sfs unix.Statfs_t
	if err := unix.Fstatfs(fd, &sfs); err != nil {
		return fail("statfs", err)
	}
	if sfs.Type != unix.NSFS_MAGIC {
		return fail("not a namespace file", fmt.Errorf("it is %s", describeFile(fd)))
	}
	ns, err := unix.Open("/proc/self/fd/"+strconv.Itoa(fd), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fail("reopen", err)
	}
	defer unix.Close(ns)
	got, err := unix.IoctlRetInt(ns, unix.NS_GET_NSTYPE)
	if err != nil {
		return fail("ask its type (ioctl NS_GET_NSTYPE)", err)
	}
	if uint32(got) != typ {
		return fail("wrong type", errors.New("it is a "+nsNames[uint32(got)]+" namespace"))
	}
	return nil
}

// nsLinkName is the type's name under /proc/PID/ns.
func nsLinkName(typ uint32) string {
	if typ == unix.CLONE_NEWNS {
		return "mnt"
	}
	if typ == unix.CLONE_NEWNET {
		return "net"
	}
	return nsNames[typ]
}

func describeFile(fd int) string {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return "unknown"
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFREG:
		return "a regular file"
	case unix.S_IFDIR:
		return "a directory"
	case unix.S_IFSOCK:
		return "a socket"
	case unix.S_IFCHR, unix.S_IFBLK:
		return "a device"
	}
	return "not a namespace"
}
