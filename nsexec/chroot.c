/*
 * chroot.c: enter the root of a container that has no mount namespace of
 * its own (linux.namespaces lists no "mount", or one with a path that
 * stage-1 joined). config.md: a namespace that is not listed is the
 * runtime's; so the mount tree is shared with the runtime (or with the
 * joined namespace's other processes), and the root is used as it is.
 *
 * Nothing here mounts, clones a tree or changes propagation: in a shared
 * tree any of that would outlive the container, and "/" made rslave on
 * the host breaks every later CLONE_NEWUSER there. pivot_root would move
 * the root of every process of the namespace. So the root is entered with
 * chroot, as runc does for such a config; Go refuses every config field
 * that needs a mount (spec/namespaces.go) and C refuses a plan with one
 * (plan.c).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "nsexec.h"

/*
 * Open what must be reached by the runtime's paths, before a joined mount
 * namespace changes what those paths mean.
 */
void myc_open_before_join(const struct myc_plan *p)
{
	/* The exec fifo is in the runtime's state directory. */
	if (!p->exec && p->exec_fifo) {
		myc_state.fifo_fd = open(p->exec_fifo, O_PATH | O_CLOEXEC);
		if (myc_state.fifo_fd < 0)
			myc_fail("open exec fifo", p->exec_fifo, errno, NULL);
		/*
		 * After the chroot there is no /proc to reopen the fifo through
		 * (the root is used as it is); init keeps the runtime's /proc
		 * until then (Go closes it once the fifo is reopened, and it is
		 * close-on-exec). "self" resolves when it is used, to init.
		 */
		if (p->root_chroot) {
			myc_state.proc_fd = open("/proc", O_PATH | O_DIRECTORY | O_CLOEXEC);
			if (myc_state.proc_fd < 0)
				myc_fail("open /proc (to reopen the exec fifo after chroot)", "/proc", errno, NULL);
		}
	}
	/*
	 * `exec`: the running init's root, through /proc/PID/root of the
	 * runtime's /proc, which a joined mount namespace may not have.
	 */
	if (p->exec && p->root_chroot) {
		myc_state.exec_root_fd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (myc_state.exec_root_fd < 0)
			myc_fail("open the container's root", p->rootfs, errno, NULL);
	}
	/*
	 * The mount helper's binds that must stay peers of the host's mount
	 * (shared propagation): here, before init's "/", made rslave, is
	 * joined, as init takes them before its rslave (root.c).
	 */
	if (p->exec)
		myc_open_binds(p, 1);
}

/* chroot into the directory fd refers to, and leave no way out by cwd. */
static void chroot_fd(int fd, const char *what)
{
	if (fchdir(fd) < 0)
		myc_fail("chdir into rootfs", what, errno, NULL);
	close(fd);
	if (chroot(".") < 0)
		myc_fail("chroot into", what, errno, NULL);
	if (chdir("/") < 0)
		myc_fail("chdir /", what, errno, NULL);
}

void myc_chroot_root(const struct myc_plan *p)
{
	uint64_t t0 = myc_now_ns(), t1;
	int root;

	/* The hooks see the root where it is, as they would before a pivot. */
	if (p->hook_pause)
		myc_pause_for_hooks(p);
	root = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		myc_fail("open rootfs", p->rootfs, errno, NULL);
	chroot_fd(root, p->rootfs);
	t1 = myc_now_ns();
	myc_log_step("chroot (no mount namespace of its own)", t0, t1);
	myc_state.ready_ns = t1;
}

void myc_enter_exec_root(const struct myc_plan *p)
{
	chroot_fd(myc_state.exec_root_fd, p->rootfs);
	myc_state.exec_root_fd = -1;
}
