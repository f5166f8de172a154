package main

// A mutation removes one guard. Old must occur exactly once in File; the
// runner replaces it with New in a copy of the tree and runs Tests (a go
// test -run pattern) in Pkg, which must then fail. Fast marks the subset
// `make test` runs.
type mutation struct {
	Name     string
	File     string
	Old, New string
	Pkg      string
	Tests    string
	Fast     bool
}

var mutations = []mutation{
	{Name: "no RESOLVE_IN_ROOT (paths resolved like the host's)", File: "rootfs/resolve.go",
		Old: "const inRoot = unix.RESOLVE_IN_ROOT | unix.RESOLVE_NO_MAGICLINKS", New: "const inRoot = unix.RESOLVE_NO_MAGICLINKS",
		// The integration tests cannot see this one: mounts are made after
		// pivot_root, where "/" is already the container's. The unit tests
		// resolve against a directory of the host.
		Pkg: "./rootfs/", Tests: "^TestOpenInRootStaysInRoot$", Fast: true},
	{Name: "stage-1 runs the binary on disk (CVE-2019-5736)", File: "nsexec/exe.go",
		Old: "\t\tfd, err = readOnlyBind()\n", New: "\t\treturn \"/proc/self/exe\", func() {}, nil\n",
		Pkg: "./tests/", Tests: "^TestCVE2019_5736ExecCannotOverwriteRuntime$", Fast: true},
	{Name: "the fallback copy is not sealed", File: "nsexec/exe.go",
		Old: "unix.F_ADD_SEALS, sealsWanted)", New: "unix.F_ADD_SEALS, 0)",
		Pkg: "./tests/", Tests: "^TestCVE2019_5736InitReaperRunsProtectedCopy$"},
	{Name: "stages stay dumpable (CVE-2019-5736)", File: "nsexec/nsexec.c",
		Old: "if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)", New: "if (0 && prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)",
		Pkg: "./tests/", Tests: "^TestCVE2019_5736StagesAreNotDumpable$"},
	{Name: "exec starts from an empty process (every capability)", File: "container/exec_process.go",
		Old: "\t\tp = *stored\n", New: "\t\tp = specs.Process{Cwd: \"/\", Env: stored.Env}\n",
		Pkg: "./tests/", Tests: "^TestAttackExecRemountsReadonlyRoot$", Fast: true},
	{Name: "delete signals pid 0 of a creating container", File: "container/oci_ops.go",
		Old: "st.Pid > 0 && (s == state.StatusCreated || s == state.StatusRunning)", New: "s != state.StatusStopped",
		Pkg: "./tests/", Tests: "^TestAttackDeleteCreatingKillsCallerGroup$"},
	{Name: "a created init outlives its killed create", File: "container/oci_create.go",
		Old: "\tk.plan.bs.Pdeathsig = true\n", New: "\n",
		Pkg: "./tests/", Tests: "^TestOCIKilledCreateTakesInitDuringSetup$"},
	{Name: "the run sweep looks in one hierarchy", File: "container/cgroup.go",
		Old: "names, err := cgroups.Children(mode, parent)", New: "names, err := cgroups.Children(mode, parent)\n\tif len(names) > 0 {\n\t\tnames = nil\n\t}",
		Pkg: "./tests/", Tests: "^TestSweepFindsDeadRunInAnyHierarchy$"},
	{Name: "friendly run keeps every capability", File: "spec/friendly_security.go",
		Old: "\tbase := DockerCaps\n", New: "\tbase := AllCapabilities()\n",
		Pkg: "./tests/", Tests: "^TestAttackFriendlyDefaultsHoldRoot$", Fast: true},
	{Name: "friendly run without masked and read-only paths", File: "spec/friendly_security.go",
		Old: "\ts.Linux.MaskedPaths, s.Linux.ReadonlyPaths = maskedPaths(), readonlyPaths()\n", New: "\n",
		Pkg: "./tests/", Tests: "^TestAttackFriendlyDefaultsHoldRoot$"},
	{Name: "friendly run without device rules", File: "spec/friendly_security.go",
		Old: "\ts.Linux.Resources.Devices = defaultDeviceRules()\n", New: "\n",
		Pkg: "./tests/", Tests: "^TestAttackFriendlyDeviceRulesHoldHostDisk$"},
	{Name: "friendly run without seccomp", File: "spec/friendly_security.go",
		Old: "\t\tp, err := mobyseccomp.GetDefaultProfile(s)\n", New: "\t\tp, err := (*specs.LinuxSeccomp)(nil), error(nil)\n",
		Pkg: "./tests/", Tests: "^TestFriendlyPolicyFlags$"},
	{Name: "no ENOSYS stub for new syscalls", File: "seccomp/seccomp.go",
		Old: "return withENOSYS(prog, s), flags, skipped, nil", New: "return prog, flags, skipped, nil",
		Pkg: "./seccomp/", Tests: "^TestENOSYSStubFront$", Fast: true},
	{Name: "a damaged seccomp cache file is loaded", File: "seccomp/cache.go",
		Old: "!bytes.Equal(got[:], sum) || ", New: "false && !bytes.Equal(got[:], sum) || ",
		Pkg: "./seccomp/", Tests: "^TestCompileCached$"},
	{Name: "masking binds whatever /dev/null is (CVE-2025-31133)", File: "rootfs/harden.go",
		Old: "st.Mode&unix.S_IFMT != unix.S_IFCHR || st.Rdev != unix.Mkdev(1, 3)", New: "false",
		Pkg: "./init/", Tests: "DevNull|Mask"},
	{Name: "state appears before it is complete", File: "state/store.go",
		Old: "err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, s.Dir(st.ID), unix.RENAME_NOREPLACE)", New: "err = unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, s.Dir(st.ID), 0)",
		Pkg: "./state/", Tests: "^TestCreate"},
	{Name: "--rootfs / is the host's root read-write", File: "container/run_friendly.go",
		Old: "\tbs.HostRootReadonly = hostRoot\n", New: "\tbs.HostRootReadonly = hostRoot && f.Rootfs == \"\"\n",
		Pkg: "./tests/", Tests: "^TestRootfsSlashIsReadOnly$"},
	{Name: "a frozen cgroup is not refused", File: "container/run.go",
		Old: "\tif err := cg.checkThawed(); err != nil {\n", New: "\tif err := cg.checkThawed(); false && err != nil {\n",
		Pkg: "./tests/", Tests: "^TestFrozenCgroupRun$"},
	{Name: "cwd in /proc/self/fd accepted (CVE-2024-21626)", File: "spec/cwd.go",
		Old: "func CheckCwd(cwd string) error {\n", New: "func CheckCwd(cwd string) error {\n\treturn nil\n",
		Pkg: "./spec/", Tests: "Cwd|Process"},
	{Name: "PDEATHSIG not armed again after the uid change", File: "init/creds.go",
		Old: "\tif pdeath != 0 {\n", New: "\tif false && pdeath != 0 {\n",
		Pkg: "./tests/", Tests: "^TestRuntimeSIGKILLTakesContainerDown$"},
	{Name: "state leftovers judged by PID only", File: "state/trash.go",
		Old: "\t\treturn Alive(pid, start)\n", New: "\t\treturn unix.Kill(pid, 0) != unix.ESRCH\n",
		Pkg: "./state/", Tests: "^TestListEmptiesTrashOfDeadRuntimes$"},
	{Name: "stage-1 keeps the fds its caller leaked (CVE-2024-21626 class)", File: "nsexec/nsexec.c",
		Old: "syscall(SYS_close_range, fd + 1, ~0U, 0) < 0)", New: "0)",
		Pkg: "./tests/", Tests: "^TestNoFDLeakInInitReaper$"},
	{Name: "--init command execs while PID 1 still holds the sync socket", File: "init/exec.go",
		Old: "\twaitForReaper(r)\n", New: "\n",
		Pkg: "./tests/", Tests: "^TestNoFDLeakInInitReaper$"},
	{Name: "unpack follows symlinks out of the layer (CVE-2018-15664 class)", File: "image/unpack.go",
		// Both guards go: O_NOFOLLOW alone refuses a symlink in a
		// one-component walk, RESOLVE_NO_SYMLINKS alone too.
		Old: "Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_NOFOLLOW | unix.O_CLOEXEC,\n\t\tResolve: unix.RESOLVE_BENEATH | unix.RESOLVE_NO_SYMLINKS | unix.RESOLVE_NO_MAGICLINKS | unix.RESOLVE_NO_XDEV}",
		New: "Flags: unix.O_PATH | unix.O_DIRECTORY | unix.O_CLOEXEC}",
		Pkg: "./image/", Tests: "^TestUnpackWriteThrough|^TestUnpackHardlinkThroughSymlink$", Fast: true},
	{Name: "unpack keeps an image's trusted.overlay.* xattrs", File: "image/unpack.go",
		Old: "return strings.HasPrefix(name, \"user.\") || name == \"security.capability\"", New: "return true",
		Pkg: "./image/", Tests: "^TestUnpackKeepsOwnerModeSetuidAndCapabilities$", Fast: true},
	{Name: "unpack creates an image's device nodes", File: "image/unpack.go",
		Old: "u.stats.Dropped = append(u.stats.Dropped, rel)\n\t\treturn nil",
		New: "return unix.Mknodat(pfd, base, unix.S_IFCHR|0o600, int(unix.Mkdev(uint32(h.Devmajor), uint32(h.Devminor))))",
		Pkg: "./image/", Tests: "^TestUnpackDeviceNodesDropped$", Fast: true},
	{Name: "unpack accepts a whiteout of .. or .", File: "image/unpack.go",
		Old: "case name == \"\" || name == \".\" || name == \"..\":", New: "case name == \"\":",
		Pkg: "./image/", Tests: "^TestUnpackWhiteoutOfDotDot$"},
}
