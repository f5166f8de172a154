/*
 * join.c: enter existing namespaces with setns(2), for an engine's
 * pre-made network namespace or for `exec` into a running container.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include "nsexec.h"

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
		fds[i] = open(p->join_path[i], O_RDONLY | O_CLOEXEC);
		if (fds[i] < 0)
			myc_fail("open namespace", p->join_path[i], errno, NULL);
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
