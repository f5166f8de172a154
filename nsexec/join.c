/*
 * join.c: enter existing namespaces with setns(2), for an engine's
 * pre-made network namespace or for `exec` into a running container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/nsfs.h>
#include <sched.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "nsexec.h"

/*
 * open_namespace opens a namespace file for setns(2) without ever
 * blocking, and makes sure it is one of the asked type. A plain open() of
 * a FIFO waits for a writer: `create` hung for ever on such a path. O_PATH
 * never runs the file's open routine; only once statfs says the file is
 * on nsfs (where opening cannot block) is it reopened for real through
 * /proc/self/fd, which reopens the same inode, not the path again.
 * setns needs that real fd: it refuses O_PATH descriptors.
 */
static int open_namespace(const char *path, uint32_t type)
{
	char fdpath[32];
	struct statfs sfs;
	int opath, fd, got;

	opath = open(path, O_PATH | O_CLOEXEC);
	if (opath < 0)
		myc_fail("open namespace", path, errno, NULL);
	if (fstatfs(opath, &sfs) < 0)
		myc_fail("statfs namespace", path, errno, NULL);
	if (sfs.f_type != NSFS_MAGIC)
		myc_fail("open namespace", path, EINVAL,
			 "not a namespace file: want /proc/PID/ns/TYPE or a bind mount of one");
	snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", opath);
	fd = open(fdpath, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		myc_fail("reopen namespace", path, errno, NULL);
	close(opath);
	got = ioctl(fd, NS_GET_NSTYPE);
	if (got < 0)
		myc_fail("ask namespace type (NS_GET_NSTYPE)", path, errno, NULL);
	if ((uint32_t)got != type)
		myc_fail("open namespace", path, EINVAL,
			 "a namespace of another type than linux.namespaces asks for");
	return fd;
}

/*
 * The order matters: every path is opened first, because joining the
 * mount namespace changes what later paths mean; the mount namespace is
 * joined last for the same reason. A user namespace would go first (it
 * grants the rights for the rest), but mycontainer does not join them yet.
 */
void myc_join_namespaces(const struct myc_plan *p)
{
	int fds[MYC_MAX_JOIN];
	int i, pass;

	for (i = 0; i < p->njoin; i++) {
		fds[i] = open_namespace(p->join_path[i], p->join_type[i]);
	}
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < p->njoin; i++) {
			int is_mnt = p->join_type[i] == CLONE_NEWNS;

			if (is_mnt != pass)
				continue;
			if (setns(fds[i], (int)p->join_type[i]) < 0)
				myc_fail("setns", p->join_path[i], errno,
					 errno == EINVAL ? "is the path a namespace of the right type?" : NULL);
			close(fds[i]);
		}
	}
}
