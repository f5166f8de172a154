package rootfs

import (
	"fmt"
	"strings"
)

// Mounts onto /proc. CVE-2019-16884 and CVE-2023-27561: a bundle (or a
// volume, or an image's symlink) put a filesystem of its own over /proc,
// so the masks and read-only paths went onto files it controlled and the
// runtime's procfs reads and writes (its AppArmor label in runc's case)
// landed there too. runc has allowed only procfs on /proc since; the same
// rule here: /proc takes a procfs (a new one, or a bind of one), and
// nothing is mounted below /proc except the files lxcfs emulates.

// lxcfsProcFiles are the /proc files a bind mount may cover: lxcfs's
// per-container views, which engines bind there on purpose.
var lxcfsProcFiles = []string{
	"/proc/cpuinfo", "/proc/diskstats", "/proc/meminfo", "/proc/stat", "/proc/swaps",
	"/proc/uptime", "/proc/loadavg", "/proc/slabinfo", "/proc/net/dev", "/proc/sys/kernel/ns_last_pid",
}

// UnderProc says whether a clean absolute path is /proc or below it.
func UnderProc(target string) bool {
	return target == "/proc" || strings.HasPrefix(target, "/proc/")
}

// CheckProcMount refuses a mount onto /proc or below it that is not
// procfs: fstype is the filesystem type ("" for a bind), srcIsProc says
// whether a bind's source is itself procfs.
func CheckProcMount(target, fstype string, bind, srcIsProc bool) error {
	if !UnderProc(target) {
		return nil
	}
	if target == "/proc" {
		if (!bind && fstype == "proc") || (bind && srcIsProc) {
			return nil
		}
		what := "a " + fstype + " filesystem"
		if bind {
			what = "a bind mount of something that is not procfs"
		}
		return fmt.Errorf("%s on /proc would hide the kernel's procfs and defeat the masked and read-only paths (CVE-2019-16884); only procfs may be mounted there", what)
	}
	for _, f := range lxcfsProcFiles {
		if target == f {
			return nil
		}
	}
	return fmt.Errorf("nothing may be mounted below /proc but procfs's own files that lxcfs emulates (%s): a mount there could cover what the masks protect (CVE-2019-16884)", strings.Join(lxcfsProcFiles, ", "))
}
