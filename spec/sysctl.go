package spec

import (
	"strings"

	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// ipcSysctlPrefixes cover the System V IPC and POSIX message queue
// sysctls, which the kernel keeps per IPC namespace (kernel.shmmax,
// kernel.msgmnb, kernel.sem, kernel.sem_next_id, fs.mqueue.msg_max, ...).
var ipcSysctlPrefixes = []string{"kernel.shm", "kernel.msg", "kernel.sem", "fs.mqueue."}

// checkSysctl allows only sysctls the kernel keeps per namespace, and
// only when the container has that namespace (new or joined): any other
// write to /proc/sys would change the host for everyone. net.* belongs to
// the network namespace; the IPC ones to the IPC namespace.
func checkSysctl(p *problems, s *specs.Spec) {
	for k, v := range s.Linux.Sysctl {
		path := key("linux.sysctl", k)
		switch {
		case k == "" || strings.Contains(k, "/") || strings.Contains(k, "..") ||
			strings.HasPrefix(k, ".") || strings.HasSuffix(k, "."):
			// The key becomes /proc/sys/<key with "." as "/">; a "/" or an
			// empty component could walk elsewhere.
			p.add(path, "is not a sysctl name; use dotted names like net.ipv4.ip_forward")
		case strings.HasPrefix(k, "net."):
			if _, ok := namespace(s, specs.NetworkNamespace); !ok {
				p.add(path, "needs a network namespace in linux.namespaces, or it would change the host")
			}
		case isIPCSysctl(k):
			if _, ok := namespace(s, specs.IPCNamespace); !ok {
				p.add(path, "needs an ipc namespace in linux.namespaces, or it would change the host")
			}
		default:
			p.add(path, "is not supported: only namespaced sysctls (net.*, kernel.shm*, kernel.msg*, kernel.sem, fs.mqueue.*) can be set")
		}
		if hasNUL(v) {
			p.add(path, "value must not contain a NUL byte")
		}
	}
}

func isIPCSysctl(k string) bool {
	for _, prefix := range ipcSysctlPrefixes {
		if strings.HasPrefix(k, prefix) {
			return true
		}
	}
	return false
}
