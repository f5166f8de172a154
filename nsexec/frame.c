/*
 * frame.c: reading and writing proto.h frames from C. Every length is
 * checked against the bytes actually received before it is used.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "nsexec.h"

uint64_t myc_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void myc_frame_init(struct myc_frame *f, uint32_t type)
{
	f->len = MYC_HDR_LEN;
	f->overflow = 0;
	memcpy(f->buf + 4, &type, 4);
}

void myc_frame_put(struct myc_frame *f, uint32_t type, const void *val, uint32_t len)
{
	if (f->overflow || (size_t)f->len + MYC_ATTR_HDR_LEN + len > sizeof(f->buf)) {
		f->overflow = 1;
		return;
	}
	memcpy(f->buf + f->len, &type, 4);
	memcpy(f->buf + f->len + 4, &len, 4);
	if (len)
		memcpy(f->buf + f->len + MYC_ATTR_HDR_LEN, val, len);
	f->len += MYC_ATTR_HDR_LEN + len;
}

void myc_frame_put_str(struct myc_frame *f, uint32_t type, const char *s)
{
	if (s)
		myc_frame_put(f, type, s, (uint32_t)strlen(s));
}

void myc_frame_put_u32(struct myc_frame *f, uint32_t type, uint32_t v)
{
	myc_frame_put(f, type, &v, 4);
}

void myc_frame_put_u64(struct myc_frame *f, uint32_t type, uint64_t v)
{
	myc_frame_put(f, type, &v, 8);
}

int myc_frame_send(int fd, struct myc_frame *f)
{
	uint32_t payload;
	ssize_t n;

	if (f->overflow) {
		errno = EMSGSIZE;
		return -1;
	}
	payload = f->len - MYC_HDR_LEN;
	memcpy(f->buf, &payload, 4);
	do {
		n = send(fd, f->buf, f->len, MSG_NOSIGNAL);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((uint32_t)n != f->len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/*
 * Receive one whole frame. SEQPACKET delivers a message whole or not at all;
 * MSG_PEEK|MSG_TRUNC tells its real size first so the buffer fits exactly.
 */
int myc_frame_recv(int fd, uint32_t want_type, char **payload, uint32_t *payload_len)
{
	ssize_t size, n;
	uint32_t len, type;
	char *buf;

	do {
		size = recv(fd, NULL, 0, MSG_PEEK | MSG_TRUNC);
	} while (size < 0 && errno == EINTR);
	if (size < 0)
		return -1;
	if (size < (ssize_t)MYC_HDR_LEN || (size_t)size > MYC_MAX_FRAME) {
		errno = size == 0 ? ECONNRESET : EMSGSIZE;
		return -1;
	}
	buf = malloc((size_t)size);
	if (!buf)
		return -1;
	do {
		n = recv(fd, buf, (size_t)size, 0);
	} while (n < 0 && errno == EINTR);
	if (n != size) {
		free(buf);
		errno = n < 0 ? errno : EBADMSG;
		return -1;
	}
	memcpy(&len, buf, 4);
	memcpy(&type, buf + 4, 4);
	if (len != (uint32_t)size - MYC_HDR_LEN || type != want_type) {
		free(buf);
		errno = EBADMSG;
		return -1;
	}
	*payload = buf;
	*payload_len = (uint32_t)size;
	return 0;
}

/*
 * Iterate the attributes of a payload. *off starts at MYC_HDR_LEN for a
 * frame (or 0 for a nested attribute). Returns 1 with the next attribute,
 * 0 at the end, -1 (EBADMSG) if an attribute claims more bytes than remain.
 */
int myc_attr_next(const char *buf, uint32_t len, uint32_t *off, struct myc_attr *a)
{
	uint32_t alen;

	if (*off == len)
		return 0;
	if (len - *off < MYC_ATTR_HDR_LEN) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(&a->type, buf + *off, 4);
	memcpy(&alen, buf + *off + 4, 4);
	if (alen > len - *off - MYC_ATTR_HDR_LEN) {
		errno = EBADMSG;
		return -1;
	}
	a->val = buf + *off + MYC_ATTR_HDR_LEN;
	a->len = alen;
	*off += MYC_ATTR_HDR_LEN + alen;
	return 1;
}

/* Copy a string attribute into a fresh NUL-terminated buffer. */
char *myc_attr_str(const struct myc_attr *a)
{
	char *s;

	if (memchr(a->val, '\0', a->len)) {
		errno = EINVAL;
		return NULL;
	}
	s = malloc(a->len + 1);
	if (!s)
		return NULL;
	memcpy(s, a->val, a->len);
	s[a->len] = '\0';
	return s;
}

int myc_attr_u32(const struct myc_attr *a, uint32_t *v)
{
	if (a->len != 4) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(v, a->val, 4);
	return 0;
}

int myc_attr_u64(const struct myc_attr *a, uint64_t *v)
{
	if (a->len != 8) {
		errno = EBADMSG;
		return -1;
	}
	memcpy(v, a->val, 8);
	return 0;
}
