/*
 * plan.c: decoding the bootstrap frame into the plan the constructor
 * carries out. It is apart from nsexec.c so the decoder can be built and
 * fuzzed on its own (nsexec/fuzz/): it reads only the bytes it is given and
 * reports through myc_fail, and has no other side effect than setting
 * myc_state.debug.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsexec.h"

/*
 * The flags of the plan (u32 attributes, 1 = set, absent = unset). Adding
 * one is one line here, beside its number in proto.h and its line in
 * nsexec/flags.go.
 */
static const struct {
	uint32_t attr;
	size_t off; /* of an int in struct myc_plan */
	const char *name;
} plan_flags[] = {
	{ MYC_A_HOST_ROOT_READONLY, offsetof(struct myc_plan, host_root_readonly), "host root readonly" },
	{ MYC_A_DEBUG, offsetof(struct myc_plan, debug), "debug" },
	{ MYC_A_TTY, offsetof(struct myc_plan, tty), "tty" },
	{ MYC_A_INIT, offsetof(struct myc_plan, init), "init" },
	{ MYC_A_PDEATHSIG, offsetof(struct myc_plan, pdeathsig), "pdeathsig" },
	{ MYC_A_EXEC, offsetof(struct myc_plan, exec), "exec" },
	{ MYC_A_HOOK_PAUSE, offsetof(struct myc_plan, hook_pause), "hook pause" },
	{ MYC_A_ROOT_CHROOT, offsetof(struct myc_plan, root_chroot), "root chroot" },
	{ MYC_A_OVERLAY_STRING, offsetof(struct myc_plan, overlay_string), "overlay string" },
};

/*
 * Set the flag a carries. Anything else below MYC_A_GO_FIRST is unknown
 * to C, and a bug (proto.h): fail rather than run half-configured.
 */
static void decode_flag(const struct myc_attr *a, struct myc_plan *p)
{
	char what[32];
	uint32_t v;
	size_t i;

	for (i = 0; i < sizeof(plan_flags) / sizeof(plan_flags[0]); i++) {
		if (plan_flags[i].attr != a->type)
			continue;
		if (myc_attr_u32(a, &v) < 0)
			myc_fail("decode bootstrap", plan_flags[i].name, errno, NULL);
		*(int *)((char *)p + plan_flags[i].off) = v != 0;
		return;
	}
	snprintf(what, sizeof(what), "attribute %u", a->type);
	myc_fail("decode bootstrap", what, EBADMSG,
		 "the C constructor does not know it: runtime and stages must be one build");
}

/*
 * Set a single-valued string of the plan. A repeated one replaces the
 * value before it, as in Go's ParseBootstrap, and the earlier copy is
 * freed rather than lost (the fuzz harness found that leak).
 */
static void set_str(char **dst, const struct myc_attr *a, const char *what)
{
	char *s = myc_attr_str(a);

	if (!s)
		myc_fail("decode bootstrap", what, errno, NULL);
	free(*dst);
	*dst = s;
}

void myc_decode_plan(const char *buf, uint32_t len, struct myc_plan *p)
{
	struct myc_attr a;
	uint32_t off = MYC_HDR_LEN;
	int r, i;

	memset(p, 0, sizeof(*p));
	while ((r = myc_attr_next(buf, len, &off, &a)) > 0) {
		if (a.type >= MYC_A_GO_FIRST)
			continue; /* Go-only: the Go stage reads these */
		switch (a.type) {
		case MYC_A_CLONE_FLAGS:
			if (myc_attr_u64(&a, &p->clone_flags) < 0)
				myc_fail("decode bootstrap", "clone flags", errno, NULL);
			break;
		case MYC_A_HOSTNAME:
			set_str(&p->hostname, &a, "hostname");
			break;
		case MYC_A_ROOTFS:
			set_str(&p->rootfs, &a, "rootfs");
			break;
		case MYC_A_EXEC_FIFO:
			set_str(&p->exec_fifo, &a, "exec fifo");
			break;
		case MYC_A_JOIN_NS:
			if (p->njoin == MYC_MAX_JOIN || a.len < 5)
				myc_fail("decode bootstrap", "namespace to join", EINVAL, NULL);
			memcpy(&p->join_type[p->njoin], a.val, 4);
			{
				struct myc_attr path = { .type = a.type, .len = a.len - 4, .val = a.val + 4 };
				if (!(p->join_path[p->njoin++] = myc_attr_str(&path)))
					myc_fail("decode bootstrap", "namespace path", errno, NULL);
			}
			break;
		case MYC_A_BIND_SOURCE:
			if (p->nbinds == MYC_MAX_BINDS)
				myc_fail("decode bootstrap", "bind sources", E2BIG, "too many bind mounts");
			if (!(p->bind_sources[p->nbinds++] = myc_attr_str(&a)))
				myc_fail("decode bootstrap", "bind source", errno, NULL);
			break;
		case MYC_A_BIND_PEER: {
			uint32_t i;
			if (myc_attr_u32(&a, &i) < 0 || i >= MYC_MAX_BINDS)
				myc_fail("decode bootstrap", "bind peer", EINVAL, NULL);
			p->bind_peer[i] = 1;
			break;
		}
		case MYC_A_OVERLAY_LOWER:
			if (p->nlower == MYC_MAX_LOWER)
				myc_fail("decode bootstrap", "overlay layers", E2BIG, "overlayfs stacks at most 500 layers");
			if (!(p->lower[p->nlower++] = myc_attr_str(&a)))
				myc_fail("decode bootstrap", "overlay layer", errno, NULL);
			break;
		case MYC_A_OVERLAY_UPPER:
			set_str(&p->upper, &a, "overlay upper");
			break;
		case MYC_A_OVERLAY_WORK:
			set_str(&p->work, &a, "overlay work");
			break;
		default:
			decode_flag(&a, p);
		}
	}
	if (r < 0)
		myc_fail("decode bootstrap", "attributes", errno, NULL);
	myc_state.debug = p->debug;
	if (!p->exec && (!p->rootfs || p->rootfs[0] != '/'))
		myc_fail("decode bootstrap", "rootfs", EINVAL, "the rootfs must be an absolute path");
	for (i = p->nbinds; i < MYC_MAX_BINDS; i++)
		if (p->bind_peer[i])
			myc_fail("decode bootstrap", "bind peer", EINVAL, "names no bind source");
	if (p->nlower && (!p->upper || !p->work))
		myc_fail("decode bootstrap", "overlay", EINVAL, "an overlay root needs an upper and a work directory");
	if (!p->nlower && (p->upper || p->work || p->overlay_string))
		myc_fail("decode bootstrap", "overlay", EINVAL, "an overlay upper or work directory needs layers");
	/*
	 * A chroot'ed root shares its mount tree with the runtime (or with the
	 * namespace it joined): nothing may be mounted or cloned in it, and a
	 * new mount namespace would be one the chroot does not cut off.
	 */
	if (p->exec && p->root_chroot && (!p->rootfs || p->rootfs[0] != '/'))
		myc_fail("decode bootstrap", "rootfs", EINVAL, "exec into a chroot'ed root needs its path");
	if (p->root_chroot && (p->clone_flags & CLONE_NEWNS))
		myc_fail("decode bootstrap", "root chroot", EINVAL, "a chroot'ed root is for a container without a new mount namespace");
	if (p->root_chroot && (p->nbinds || p->nlower || p->host_root_readonly))
		myc_fail("decode bootstrap", "root chroot", EINVAL, "a root shared with the runtime's mount namespace takes no mounts");
}
