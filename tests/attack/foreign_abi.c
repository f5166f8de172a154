/*
 * foreign_abi: make one system call through a foreign x86 ABI, as a
 * program built for it would, and print what the kernel answered. The
 * seccomp filter leaves an ABI the kernel cannot run out of the program;
 * the tests check that the answers are then the kernel's own, and that an
 * ABI the kernel does run is still filtered.
 *
 * usage: foreign_abi x32|ia32 getpid|keyctl
 * prints "ret N" or "errno N"; with no i386 emulation, int $0x80 faults
 * and the process dies of SIGSEGV.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define X32_BIT 0x40000000L

static long x32(long nr)
{
	long r;

	__asm__ volatile("syscall" : "=a"(r) : "a"(X32_BIT | nr), "D"(0L), "S"(0L), "d"(0L)
			 : "rcx", "r11", "memory");
	return r;
}

static long ia32(long nr)
{
	long r;

	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr), "b"(0L), "c"(0L), "d"(0L) : "memory");
	return r;
}

int main(int argc, char **argv)
{
	long r;
	int keyctl;

	if (argc != 3 || (strcmp(argv[1], "x32") && strcmp(argv[1], "ia32")) ||
	    (strcmp(argv[2], "getpid") && strcmp(argv[2], "keyctl"))) {
		fprintf(stderr, "usage: %s x32|ia32 getpid|keyctl\n", argv[0]);
		return 2;
	}
	keyctl = !strcmp(argv[2], "keyctl");
	fflush(stdout);
	if (!strcmp(argv[1], "x32"))
		r = x32(keyctl ? 250 : 39); /* x86_64 numbers */
	else
		r = ia32(keyctl ? 288 : 20); /* i386 numbers */
	if (r < 0 && r > -4096)
		printf("errno %ld\n", -r);
	else
		printf("ret %ld\n", r);
	return 0;
}
