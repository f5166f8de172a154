/*
 * spawn: start a command, wait for its whole process tree, and print what
 * it cost. The benchmark's launcher (bench/run.sh).
 *
 *   spawn [-n COUNT] [-P] -- ARGV...
 *
 * Every "{}" inside an argument is replaced by the run's index (0, 1, ...),
 * so that each run gets a unique container ID.
 *
 * One line per run (sequential, the default):
 *   run INDEX WALL_US CPU_US USER_US SYS_US MAXRSS_KB STATUS
 * then, always, one summary line:
 *   total COUNT WALL_US CPU_US FAILURES MAXRSS_KB
 * With -P the COUNT runs start at once and only the summary is printed.
 *
 * WALL_US runs from just before posix_spawn to the reaping of the command.
 * CPU_US is user+sys of the whole tree: the RUSAGE_CHILDREN delta of this
 * process across the run. spawn is a child subreaper, so processes that the
 * command orphans are reparented here, reaped, and counted too. MAXRSS_KB
 * is ru_maxrss from wait4, the peak RSS of the largest process of the tree.
 * STATUS is the exit code, or 128+N for signal N; any non-zero is a failure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static long long now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static long long tv_us(struct timeval tv)
{
	return (long long)tv.tv_sec * 1000000 + tv.tv_usec;
}

static long long children_cpu_us(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_CHILDREN, &ru) != 0) {
		perror("spawn: getrusage");
		exit(2);
	}
	return tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
}

static long long children_user_us(void)
{
	struct rusage ru;
	getrusage(RUSAGE_CHILDREN, &ru);
	return tv_us(ru.ru_utime);
}

/* argv for run i: each "{}" replaced by i. */
static char **expand(char **argv, int argc, int i)
{
	char **out = calloc((size_t)argc + 1, sizeof(char *));
	char num[16];
	snprintf(num, sizeof num, "%d", i);
	for (int a = 0; a < argc; a++) {
		const char *s = argv[a];
		size_t n = 0;
		for (const char *p = s; (p = strstr(p, "{}")); p += 2)
			n++;
		char *d = malloc(strlen(s) + n * strlen(num) + 1), *w = d;
		while (*s) {
			if (s[0] == '{' && s[1] == '}') {
				w = stpcpy(w, num);
				s += 2;
			} else {
				*w++ = *s++;
			}
		}
		*w = 0;
		out[a] = d;
	}
	return out;
}

static void free_argv(char **v)
{
	for (char **p = v; *p; p++)
		free(*p);
	free(v);
}

static pid_t start(char **argv, int argc, int i)
{
	posix_spawn_file_actions_t fa;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	char **v = expand(argv, argc, i);
	pid_t pid;
	int err = posix_spawnp(&pid, v[0], &fa, NULL, v, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0) {
		fprintf(stderr, "spawn: %s: %s\n", v[0], strerror(err));
		pid = -1;
	}
	free_argv(v);
	return pid;
}

static int status_code(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return 255;
}

/* Wait for any child; returns its pid, or -1 when none is left. */
static pid_t reap(int *code, long *maxrss)
{
	struct rusage ru;
	int st;
	pid_t p;
	do
		p = wait4(-1, &st, 0, &ru);
	while (p < 0 && errno == EINTR);
	if (p < 0)
		return -1;
	*code = status_code(st);
	*maxrss = ru.ru_maxrss;
	return p;
}

int main(int argc, char **argv)
{
	int count = 1, parallel = 0, opt;
	while ((opt = getopt(argc, argv, "+n:P")) != -1) {
		switch (opt) {
		case 'n':
			count = atoi(optarg);
			break;
		case 'P':
			parallel = 1;
			break;
		default:
			goto usage;
		}
	}
	if (optind >= argc || count < 1)
		goto usage;
	argv += optind;
	argc -= optind;

	/* Orphans of the command come here, so their CPU time is counted. */
	if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
		perror("spawn: PR_SET_CHILD_SUBREAPER");
		return 2;
	}
	/* A hung runtime must not hang the benchmark. */
	alarm(parallel ? 300 : (unsigned)count * 60);

	int failures = 0;
	long peak = 0;
	long long t0 = now_us(), c0 = children_cpu_us();

	if (parallel) {
		pid_t *pids = calloc((size_t)count, sizeof(pid_t));
		int left = 0;
		for (int i = 0; i < count; i++) {
			pids[i] = start(argv, argc, i);
			if (pids[i] < 0)
				failures++;
			else
				left++;
		}
		long long end = t0;
		int code;
		long rss;
		pid_t p;
		/* Reap everything: the commands and any orphans. */
		while ((p = reap(&code, &rss)) > 0) {
			if (rss > peak)
				peak = rss;
			for (int i = 0; i < count; i++) {
				if (pids[i] == p) {
					if (code != 0)
						failures++;
					end = now_us();
					left--;
				}
			}
		}
		if (left != 0)
			failures += left;
		printf("total %d %lld %lld %d %ld\n", count, end - t0,
		       children_cpu_us() - c0, failures, peak);
		free(pids);
		return 0;
	}

	for (int i = 0; i < count; i++) {
		long long w0 = now_us(), r0 = children_cpu_us(), u0 = children_user_us();
		pid_t pid = start(argv, argc, i);
		int code = 127;
		long rss = 0;
		long long w1 = w0;
		if (pid > 0) {
			int c;
			long r;
			pid_t p;
			while ((p = reap(&c, &r)) > 0) {
				if (r > rss)
					rss = r;
				if (p == pid) {
					code = c;
					w1 = now_us();
				}
			}
		}
		long long cpu = children_cpu_us() - r0, user = children_user_us() - u0;
		if (code != 0)
			failures++;
		if (rss > peak)
			peak = rss;
		printf("run %d %lld %lld %lld %lld %ld %d\n", i, w1 - w0, cpu,
			       user, cpu - user, rss, code);
	}
	printf("total %d %lld %lld %d %ld\n", count, now_us() - t0,
	       children_cpu_us() - c0, failures, peak);
	return 0;

usage:
	fprintf(stderr, "usage: spawn [-n COUNT] [-P] -- ARGV...\n");
	return 2;
}
