/*
 * nsexec.c: the constructor that runs before the Go runtime starts.
 *
 * Why C, and why before Go: clone() into new namespaces, setns() and
 * unshare(CLONE_NEWNS) need a single-threaded process, and the Go runtime
 * starts threads before main(). So the work that needs one thread happens
 * here, and then this function returns and Go boots inside the container.
 *
 * The stages, each named so `ps aux` shows them by these names (argv[0]),
 * and `top`, `strace -f` and /proc/PID/comm as myc:[stage-1], myc:[init]
 * and myc:[setup] (PR_SET_NAME keeps only 15 bytes):
 *   mycontainer:[stage-1]  the re-executed runtime. Reads the bootstrap,
 *                          clones init, reports init's PID, exits.
 *   mycontainer:[init]     PID 1 of the new PID namespace. Sets the
 *                          hostname, enters the new root with pivot_root
 *                          (with chroot when it has no mount namespace of
 *                          its own: chroot.c), then returns so Go can
 *                          finish the rootfs.
 *   mycontainer:[setup]    with --init only: PID 2, forked by init after the
 *                          pivot; it finishes the rootfs and becomes the
 *                          command, while PID 1 returns into Go as reaper.
 *
 * C is a dumb executor: it reads one length-checked frame, does what it
 * says, and reports each failure as (step, path, errno). It decides nothing.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsexec.h"

struct myc_child_state myc_state = { .sync_fd = -1, .fifo_fd = -1, .gate_fd = -1, .proc_fd = -1, .exec_root_fd = -1 };

/*
 * Name a stage twice: the kernel's comm (15 bytes: what top, strace -f and
 * /proc/PID/comm show) and argv[0] (what ps aux shows). stage-1 is exec'd
 * with argv[0] "mycontainer:[stage-1]", long enough to hold every later name.
 */
static char *myc_argv0;

static void set_name(const char *comm, const char *argv0)
{
	prctl(PR_SET_NAME, comm, 0, 0, 0);
	if (myc_argv0 && strlen(argv0) <= strlen(myc_argv0)) {
		size_t old = strlen(myc_argv0);
		memset(myc_argv0, 0, old);
		memcpy(myc_argv0, argv0, strlen(argv0));
	}
}

void myc_log_step(const char *step, uint64_t start, uint64_t end)
{
	struct myc_frame f;

	if (!myc_state.debug)
		return;
	myc_frame_init(&f, MYC_MSG_LOG);
	myc_frame_put_str(&f, MYC_L_STEP, step);
	myc_frame_put_u64(&f, MYC_L_START, start);
	myc_frame_put_u64(&f, MYC_L_END, end);
	/* A lost timeline line must not fail the container. */
	(void)myc_frame_send(myc_state.sync_fd, &f);
}

void myc_fail(const char *step, const char *path, int err, const char *hint)
{
	struct myc_frame f;

	myc_frame_init(&f, MYC_MSG_ERROR);
	myc_frame_put_str(&f, MYC_L_STEP, step);
	myc_frame_put_str(&f, MYC_L_PATH, path);
	myc_frame_put_u32(&f, MYC_L_ERRNO, (uint32_t)err);
	myc_frame_put_u32(&f, MYC_L_EXIT, MYC_EXIT_RUNTIME);
	myc_frame_put_str(&f, MYC_L_HINT, hint);
	/*
	 * If even this send fails the parent is gone or the socket is broken;
	 * the parent then sees init exit MYC_EXIT_RUNTIME without a message and
	 * says so.
	 */
	(void)myc_frame_send(myc_state.sync_fd, &f);
	_exit(MYC_EXIT_RUNTIME);
}

static int parse_fd(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 3 || v > 1 << 20)
		return -1;
	if (fcntl((int)v, F_GETFD) < 0)
		return -1;
	return (int)v;
}

/* A count of preserved fds: 0 to 1<<20, or -1. */
static int parse_count(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0 || v > 1 << 20)
		return -1;
	return (int)v;
}

/*
 * init must not outlive the runtime in `run` mode. PDEATHSIG fires when the
 * parent dies; the parent could already have died before prctl(), which a
 * hang-up on the sync socket reveals.
 */
static void die_with_parent(void)
{
	struct pollfd pfd = { .fd = myc_state.sync_fd, .events = 0 };

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) < 0)
		myc_fail("prctl PR_SET_PDEATHSIG", NULL, errno, NULL);
	if (poll(&pfd, 1, 0) > 0 && (pfd.revents & (POLLHUP | POLLERR)))
		_exit(MYC_EXIT_RUNTIME);
}

/*
 * --init: fork once more so the command is PID 2 and this process stays
 * PID 1 as a reaper. Forking here, before the Go runtime starts threads,
 * is what keeps the command at PID 2: Go's threads would take PIDs first.
 */
static void split_init(const struct myc_plan *p)
{
	int gate[2];
	long pid;
	int i;

	/*
	 * The gate: PID 2 execs the command only after PID 1 has let go of
	 * the sync socket (the write end closes with it, in Reap). Without
	 * it the command could start while PID 1 still holds the socket, and
	 * a command with CAP_SYS_PTRACE could take it from /proc/1/fd.
	 */
	if (pipe2(gate, O_CLOEXEC) < 0)
		myc_fail("pipe2 for the init gate", NULL, errno, NULL);
	pid = fork();
	if (pid < 0)
		myc_fail("fork the command's process", NULL, errno, NULL);
	if (pid == 0) {
		set_name("myc:[setup]", "mycontainer:[setup]");
		myc_state.role = MYC_ROLE_SETUP;
		close(gate[1]);
		myc_state.gate_fd = gate[0];
		return;
	}
	close(gate[0]);
	myc_state.gate_fd = gate[1];
	myc_state.role = MYC_ROLE_REAPER;
	myc_state.child_pid = (int)pid;
	/*
	 * The reaper keeps the sync socket until its Go code has asked for every
	 * signal (containerinit.Reap closes it then). The parent forwards signals
	 * only after end-of-stream, so none can reach Go's default handler first,
	 * which would end PID 1 with status 2. Blocking cannot do that job: Go
	 * unblocks SIGTERM, SIGINT and SIGHUP at start.
	 * The bind trees are PID 2's business.
	 */
	for (i = 0; i < myc_state.nbinds; i++)
		close(myc_state.bind_fds[i]);
	myc_state.nbinds = 0;
	/*
	 * With a tty the container's processes use the pty, but PID 1 would
	 * still hold the caller's terminal on 0-2, reachable by the container
	 * through /proc/1/fd (and TIOCSTI could type into the host's shell).
	 * Give PID 1 an empty memfd there instead.
	 */
	if (p->tty) {
		int fd = (int)syscall(SYS_memfd_create, "init-stdio", 0);
		if (fd < 0)
			_exit(MYC_EXIT_RUNTIME);
		for (i = 0; i < 3; i++)
			if (dup2(fd, i) < 0)
				_exit(MYC_EXIT_RUNTIME);
		if (fd > 2)
			close(fd);
	}
}

/*
 * Take the sync socket named by MYC_ENV_INITPIPE and close every other
 * inherited fd above 2. Until the socket is known there is nowhere to
 * report to, so a failure here is only the exit code.
 */
static void take_sync_socket(const char *env)
{
	int fd = parse_fd(env);
	int keep = 3;

	if (fd < 0)
		_exit(MYC_EXIT_RUNTIME); /* no socket to report on: the exit code is the report */
	/*
	 * --preserve-fds N: fds 3 to 3+N-1 go to the command; the socket must
	 * come right after them, so nothing else can sit between.
	 */
	if (getenv(MYC_ENV_PRESERVE_FDS)) {
		keep = parse_count(getenv(MYC_ENV_PRESERVE_FDS)) + 3;
		if (keep < 3 || keep != fd)
			_exit(MYC_EXIT_RUNTIME);
	}
	/* Never hand the socket to the user's command (CVE-2024-21626 class). */
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) < 0)
		_exit(MYC_EXIT_RUNTIME);
	/*
	 * Close every other inherited fd now. The Go parent's fork+exec only
	 * replaces fds 0-3; anything else its caller left open without
	 * close-on-exec would otherwise sit in the container's init, where
	 * /proc/1/fd makes it a way out (CVE-2024-21626 was one such fd).
	 */
	if ((fd > keep && syscall(SYS_close_range, keep, fd - 1, 0) < 0) ||
	    syscall(SYS_close_range, fd + 1, ~0U, 0) < 0)
		_exit(MYC_EXIT_RUNTIME);
	myc_state.sync_fd = fd;
	unsetenv(MYC_ENV_INITPIPE);
}

/* Read the bootstrap frame from the parent and decode what C needs of it. */
static void read_plan(struct myc_plan *plan)
{
	if (myc_frame_recv(myc_state.sync_fd, MYC_MSG_BOOTSTRAP, &myc_state.bootstrap, &myc_state.bootstrap_len) < 0)
		myc_fail("read bootstrap", NULL, errno, NULL);
	myc_decode_plan(myc_state.bootstrap, myc_state.bootstrap_len, plan);
}

/*
 * Clone init into the plan's new namespaces. In stage-1 this reports
 * init's PID to the parent and exits; it returns only in init.
 */
static void clone_init(const struct myc_plan *plan)
{
	struct myc_frame f;
	uint64_t t0, t1;
	long pid;

	/*
	 * CLONE_PARENT makes init a child of the Go parent, not of this stage,
	 * so stage-1 can exit at once and the parent waits on init directly.
	 * Without a stack argument clone() behaves like fork().
	 */
	t0 = myc_now_ns();
	pid = syscall(SYS_clone, (unsigned long)plan->clone_flags | CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0) {
		int err = errno;
		myc_fail("clone", NULL, err,
			 err == EINVAL || err == EPERM ? "does this kernel support every namespace asked for, and are you root?" : NULL);
	}
	if (pid == 0)
		return;
	t1 = myc_now_ns();
	myc_frame_init(&f, MYC_MSG_PID);
	myc_frame_put_u32(&f, MYC_L_PID, (uint32_t)pid);
	if (myc_frame_send(myc_state.sync_fd, &f) < 0) {
		/* The parent cannot learn about init: do not leave it behind. */
		kill((pid_t)pid, SIGKILL);
		_exit(MYC_EXIT_RUNTIME);
	}
	myc_log_step("clone", t0, t1);
	_exit(0);
}

/* The `exec` role: already inside the container's mount namespace and root. */
static void become_exec(const struct myc_plan *plan)
{
	set_name("myc:[exec]", "mycontainer:[exec]");
	if (plan->pdeathsig)
		die_with_parent();
	myc_state.role = MYC_ROLE_EXEC;
	if (plan->root_chroot)
		myc_enter_exec_root(plan);
}

/*
 * The init role: PID 1 of the new PID namespace. Set the hostname, keep
 * what the pivot would hide, enter the new root, and with --init fork the
 * command's process.
 */
static void become_init(const struct myc_plan *plan)
{
	set_name("myc:[init]", "mycontainer:[init]");
	/*
	 * `run` ties the container to the runtime's life. `create` does not:
	 * the engine's monitor (conmon, the shim) adopts init when we exit.
	 */
	if (plan->pdeathsig)
		die_with_parent();
	myc_state.role = MYC_ROLE_INIT;

	if (plan->hostname && sethostname(plan->hostname, strlen(plan->hostname)) < 0)
		myc_fail("sethostname", plan->hostname, errno, NULL);

	myc_enter_root(plan);
	if (plan->init)
		split_init(plan);
}

/*
 * The steps run in this order, and the order matters: not dumpable before
 * anything else; inherited fds closed before any input is read; namespaces
 * joined while still one thread; then the clone.
 */
__attribute__((constructor)) static void nsexec(int argc, char **argv)
{
	const char *env = getenv(MYC_ENV_INITPIPE);
	struct myc_plan plan;

	/* Normal CLI runs pay for one getenv and nothing else. */
	if (!env)
		return;
	/*
	 * CVE-2019-5736: from here until the user's command is exec'd, this
	 * binary runs where the container can see it (init, exec, the --init
	 * reaper are in its PID namespace). A non-dumpable process's
	 * /proc/PID/exe, fd/, mem and environ open only for CAP_SYS_PTRACE
	 * holders. The flag is inherited by every clone below and reset by
	 * execve of the command. (The binary itself is a read-only bind:
	 * nsexec/exe.go.)
	 */
	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		_exit(MYC_EXIT_RUNTIME);
	take_sync_socket(env);
	if (argc > 0)
		myc_argv0 = argv[0];
	set_name("myc:[stage-1]", "mycontainer:[stage-1]");

	read_plan(&plan);
	/*
	 * What the runtime's paths name (the exec fifo, an exec's root) is
	 * opened before a joined mount namespace changes what they mean.
	 */
	myc_open_before_join(&plan);
	/*
	 * Join existing namespaces (a bind-mounted netns from the engine, or
	 * all of a running container's for `exec`) while still one thread:
	 * setns(CLONE_NEWNS) refuses a multi-threaded caller, and a joined PID
	 * namespace only applies to children, which the clone below makes.
	 */
	myc_join_namespaces(&plan);
	/*
	 * The mount helper's other binds, opened in init's mount namespace
	 * (joined last, above), as init would open them there.
	 */
	if (plan.exec)
		myc_open_binds(&plan, 0);
	clone_init(&plan);

	if (plan.exec)
		become_exec(&plan);
	else
		become_init(&plan);
	/* Return: the Go runtime now boots inside the container. */
}
