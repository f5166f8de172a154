/*
 * drop_bounding: run a command with one capability dropped from the
 * bounding set (so root's permitted set lacks it after execve), as an
 * engine that drops it would run the runtime. The cgroup v2 VM has no
 * setpriv, hence this.
 *
 * usage: drop_bounding CAPNUM COMMAND [ARG...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: %s CAPNUM COMMAND [ARG...]\n", argv[0]);
		return 2;
	}
	if (prctl(PR_CAPBSET_DROP, atoi(argv[1]), 0, 0, 0) < 0) {
		perror("PR_CAPBSET_DROP");
		return 2;
	}
	execv(argv[2], argv + 2);
	perror(argv[2]);
	return 127;
}
