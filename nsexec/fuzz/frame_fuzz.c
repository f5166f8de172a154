/*
 * frame_fuzz.c: a libFuzzer harness for the C side of proto.h, built by
 * `make fuzz` with clang -fsanitize=fuzzer,address. It is not part of the
 * cgo build (cgo compiles every .c file in nsexec/, hence this directory).
 *
 * Each input is one message as the Go parent would send it. It travels
 * through a real SOCK_SEQPACKET pair into myc_frame_recv, so the header
 * check is the one stage-1 runs; then the payload goes through
 * myc_decode_plan, the attribute accessors on every value (nested ones
 * included), and back out through myc_frame_put, whose bound check guards
 * the fixed buffer of the error reports.
 *
 * myc_fail normally reports and _exits; here it jumps back so a refused
 * input is an ordinary outcome, not a crash. The plan is freed after every
 * input, so LeakSanitizer catches a decoder that loses memory.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "nsexec.h"

struct myc_child_state myc_state = { .sync_fd = -1, .fifo_fd = -1 };

static jmp_buf refused;

void myc_fail(const char *step, const char *path, int err, const char *hint)
{
	(void)step;
	(void)path;
	(void)err;
	(void)hint;
	longjmp(refused, 1);
}

/*
 * Static, not local: the decoder fills it through a pointer, and after
 * longjmp a local of the caller would be indeterminate.
 */
static struct myc_plan plan;

static void free_plan(void)
{
	int i;

	free(plan.hostname);
	free(plan.rootfs);
	free(plan.exec_fifo);
	for (i = 0; i < plan.njoin; i++)
		free(plan.join_path[i]);
	for (i = 0; i < plan.nbinds; i++)
		free(plan.bind_sources[i]);
	for (i = 0; i < plan.nlower; i++)
		free(plan.lower[i]);
	free(plan.upper);
	free(plan.work);
	memset(&plan, 0, sizeof(plan));
}

/* Read every value as each kind the readers use, nested ones too. */
static void walk(const char *buf, uint32_t len, uint32_t off, int depth)
{
	struct myc_attr a;
	uint32_t u32;
	uint64_t u64;
	char *s;

	while (myc_attr_next(buf, len, &off, &a) > 0) {
		if (a.len > len || a.val < buf || a.val + a.len > buf + len)
			abort(); /* an attribute outside its buffer */
		(void)myc_attr_u32(&a, &u32);
		(void)myc_attr_u64(&a, &u64);
		s = myc_attr_str(&a);
		if (s && strlen(s) != a.len)
			abort();
		free(s);
		if (depth < 3)
			walk(a.val, a.len, 0, depth + 1);
	}
}

/* Copy the attributes into an outgoing frame, as myc_fail does with strings. */
static void reencode(const char *buf, uint32_t len)
{
	struct myc_frame f;
	struct myc_attr a;
	uint32_t off = MYC_HDR_LEN;
	uint64_t want = MYC_HDR_LEN;

	myc_frame_init(&f, MYC_MSG_ERROR);
	while (myc_attr_next(buf, len, &off, &a) > 0) {
		myc_frame_put(&f, a.type, a.val, a.len);
		want += MYC_ATTR_HDR_LEN + a.len;
	}
	if (want <= sizeof(f.buf) ? f.overflow || f.len != want : !f.overflow)
		abort(); /* the bound check let too much in, or too little */
}

/* One socket pair for the whole run: a pair per input would cost more than the parsing. */
static int sock[2] = { -1, -1 };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = NULL;
	uint32_t len = 0;

	if (sock[0] < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sock) < 0)
		abort();
	if (send(sock[0], data, size, MSG_NOSIGNAL) != (ssize_t)size)
		return -1; /* larger than the socket takes: not a message the parent could send */
	if (myc_frame_recv(sock[1], MYC_MSG_BOOTSTRAP, &buf, &len) < 0) {
		/* A refused message can stay queued (too short, too long): drop it. */
		while (recv(sock[1], NULL, 0, MSG_DONTWAIT | MSG_TRUNC) >= 0)
			;
		return 0;
	}
	if (len != size || memcmp(buf, data, size) != 0)
		abort();
	walk(buf, len, MYC_HDR_LEN, 0);
	reencode(buf, len);
	if (setjmp(refused) == 0)
		myc_decode_plan(buf, len, &plan);
	free_plan();
	free(buf);
	return 0;
}
