// Package cgroups puts a container's processes into control groups and
// applies the resource limits that `run` asks for.
//
// Three host layouts exist, and the package supports each of them:
//
//   - Unified: /sys/fs/cgroup is cgroup2 and every controller lives there.
//     This is what current distributions and CI runners use.
//   - Hybrid: /sys/fs/cgroup is a tmpfs holding one cgroup v1 hierarchy per
//     controller (or per group of co-mounted controllers such as
//     "cpu,cpuacct"), plus a cgroup2 mount at /sys/fs/cgroup/unified.
//     A controller can be bound to only one hierarchy, so the controllers
//     that v1 holds never show up in the cgroup2 tree; the v1 manager is
//     used and the unified tree is left alone.
//   - Legacy: like Hybrid, without the cgroup2 mount.
//
// A container's cgroup is <mount>/<parent>/<id>; the parent defaults to
// "mycontainer". On v1 the same relative path is created in every hierarchy
// the manager uses (cpu, cpuacct, cpuset, memory, pids, freezer, blkio and
// devices, whichever are mounted), found through /proc/self/mountinfo.
// Named hierarchies such as name=systemd belong to their owner and are
// never touched.
//
// Life cycle, as `run` uses it:
//
//  1. Children(mode, parent) lists the child cgroups in every hierarchy;
//     `run` removes those of runs whose runtime died (their names carry
//     the runtime's PID and start time: container.SweepDeadRuns). Sweep
//     does the same by age and emptiness, for names without an owner.
//  2. New validates the Resources and returns a Manager.
//  3. Apply(pid) (or Create, then AddProc or OpenFD for CLONE_INTO_CGROUP)
//     places the container's PID 1 before any of the user's code runs.
//  4. Stats and OOMKills report what happened.
//  5. Kill then Destroy remove every process and the directories.
//
// The OCI verbs use the rest, each implemented per version so callers
// never branch on the mode: CheckNotFrozen before a start (a process
// started into a frozen cgroup stops at once), SetDevices for
// linux.resources.devices (v1 devices.allow/deny, a v2 eBPF program),
// Freeze, Thaw and Frozen for pause, resume and state (v1 freezer.state,
// v2 cgroup.freeze and cgroup.events), and Pids for ps and kill --all.
//
// Every error names the step, the file and the kernel's reason, for example
//
//	cgroups: apply memory limit: write 33554432 to /sys/fs/cgroup/memory/mycontainer/abc/memory.limit_in_bytes: device or resource busy (...)
package cgroups
