package spec

import (
	"fmt"
	"path"
	"strings"
)

// procMagic are the entries of /proc/PID (and /proc/PID/task/TID) that
// hold or are magic links: they lead to wherever a process's files are,
// not to a place in the container's tree.
var procMagic = map[string]bool{"fd": true, "fdinfo": true, "map_files": true, "cwd": true, "root": true, "exe": true, "ns": true}

// CheckCwd refuses a working directory inside a process's fd directory or
// another magic link of /proc. CVE-2024-21626 was a working directory
// /proc/self/fd/N whose fd N led out of the container; here
// /proc/self/fd/5 landed in the container's /proc/1/fd. The runtime's
// own descriptors change between the check and the chdir, so no such
// path has a stable meaning: it is refused whatever N is.
func CheckCwd(cwd string) error {
	c := strings.Split(strings.TrimPrefix(path.Clean("/"+cwd), "/"), "/")
	if len(c) < 3 || c[0] != "proc" || !isProcess(c[1]) {
		return nil
	}
	i := 2
	if c[i] == "task" && len(c) > 4 && isNumber(c[3]) {
		i = 4
	}
	if procMagic[c[i]] {
		return fmt.Errorf("%q is inside /proc/%s/%s, whose entries are magic links to a process's files, not a place in the container (CVE-2024-21626); use a directory of the rootfs", cwd, c[1], c[i])
	}
	return nil
}

func isProcess(s string) bool { return s == "self" || s == "thread-self" || isNumber(s) }

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
