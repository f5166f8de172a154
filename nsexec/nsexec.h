/*
 * nsexec.h: the internals shared by the C files of the constructor, and the
 * handful of values the Go side of the init stage reads back through cgo.
 */
#ifndef MYC_NSEXEC_H
#define MYC_NSEXEC_H

#include <stdint.h>

#include "proto.h"

/* An outgoing frame. C only ever sends small frames (logs, errors, a pid). */
struct myc_frame {
	char buf[4096];
	uint32_t len;
	int overflow;
};

struct myc_attr {
	uint32_t type;
	uint32_t len;
	const char *val;
};

/* The most namespaces one process can join. */
#define MYC_MAX_JOIN 8

/* The most bind sources one container may ask for. */
#define MYC_MAX_BINDS 256
/* overlayfs stacks at most 500 lower layers. */
#define MYC_MAX_LOWER 500

/* What the constructor leaves behind for Go in the init stage. */
/* What this process is, once the constructor returns into Go. */
enum {
	MYC_ROLE_NONE = 0,   /* the CLI: the constructor did nothing */
	MYC_ROLE_INIT = 1,   /* PID 1: finish the rootfs, exec the command */
	MYC_ROLE_REAPER = 2, /* PID 1 with --init: reap and forward signals */
	MYC_ROLE_SETUP = 3,  /* PID 2 with --init: finish the rootfs, exec */
	MYC_ROLE_EXEC = 4,   /* `exec`: joined a running container, exec there */
};

struct myc_child_state {
	int role;             /* MYC_ROLE_* */
	int child_pid;        /* for MYC_ROLE_REAPER: the command's PID (2) */
	int sync_fd;          /* the socket to the Go parent */
	char *bootstrap;      /* the whole bootstrap frame, header included */
	uint32_t bootstrap_len;
	int nbinds;
	int bind_fds[MYC_MAX_BINDS]; /* open_tree fds, in MYC_A_BIND_SOURCE order */
	int debug;
	uint64_t ready_ns;    /* CLOCK_MONOTONIC when the constructor returned */
	int fifo_fd;          /* O_PATH fd of the exec fifo, or -1 */
	int gate_fd;          /* --init: the pipe end that orders PID 2's exec, or -1 */
	/*
	 * A chroot'ed root (MYC_A_ROOT_CHROOT) has no /proc of the runtime's:
	 * this O_PATH fd of the runtime's /proc, opened before any setns, is
	 * how Go reopens the exec fifo (self/fd/N). Else -1.
	 */
	int proc_fd;
	int exec_root_fd;     /* `exec` with a chroot'ed root: its O_PATH fd, opened before setns, or -1 */
};

extern struct myc_child_state myc_state;

uint64_t myc_now_ns(void);
void myc_frame_init(struct myc_frame *f, uint32_t type);
void myc_frame_put(struct myc_frame *f, uint32_t type, const void *val, uint32_t len);
void myc_frame_put_str(struct myc_frame *f, uint32_t type, const char *s);
void myc_frame_put_u32(struct myc_frame *f, uint32_t type, uint32_t v);
void myc_frame_put_u64(struct myc_frame *f, uint32_t type, uint64_t v);
int myc_frame_send(int fd, struct myc_frame *f);
int myc_frame_recv(int fd, uint32_t want_type, char **payload, uint32_t *payload_len);
int myc_attr_next(const char *buf, uint32_t len, uint32_t *off, struct myc_attr *a);
char *myc_attr_str(const struct myc_attr *a);
int myc_attr_u32(const struct myc_attr *a, uint32_t *v);
int myc_attr_u64(const struct myc_attr *a, uint64_t *v);

/* Report a failed step to the parent and exit with MYC_EXIT_RUNTIME. */
__attribute__((noreturn)) void myc_fail(const char *step, const char *path, int err, const char *hint);
/* Send one timeline step when the parent asked for --debug. */
void myc_log_step(const char *step, uint64_t start, uint64_t end);

/* The plan the constructor carries out, decoded from the bootstrap. */
struct myc_plan {
	uint64_t clone_flags;
	char *hostname;
	char *rootfs;
	/* The flags are ints: plan_flags in plan.c sets them by offset. */
	int host_root_readonly;
	int debug;
	int init; /* --init: fork so the command is PID 2 under a reaper */
	int tty;
	int pdeathsig; /* die with the runtime */
	int exec;      /* join a running container instead of creating one */
	int hook_pause; /* stop before pivot_root while the parent runs hooks */
	int root_chroot; /* no new mount namespace: chroot into the root as it is */
	char *exec_fifo;
	int njoin;
	uint32_t join_type[MYC_MAX_JOIN];
	char *join_path[MYC_MAX_JOIN];
	int nbinds;
	char *bind_sources[MYC_MAX_BINDS];
	unsigned char bind_peer[MYC_MAX_BINDS]; /* open before the rslave (MYC_A_BIND_PEER) */
	/* An overlayfs root (run --image): made in init's mount namespace. */
	int nlower;
	char *lower[MYC_MAX_LOWER];
	char *upper;
	char *work;
	int overlay_string; /* no lowerdir+ (before 6.8): one lowerdir= string, mount(2) */
};

/*
 * Decode a whole bootstrap frame (header included, already checked by
 * myc_frame_recv) into p. Fails through myc_fail on anything malformed.
 */
void myc_decode_plan(const char *buf, uint32_t len, struct myc_plan *p);

void myc_join_namespaces(const struct myc_plan *p);

void myc_enter_root(const struct myc_plan *p);
/* Open the bind sources with bind_peer == peers as detached trees (root.c). */
void myc_open_binds(const struct myc_plan *p, int peers);
void myc_open_before_join(const struct myc_plan *p);
void myc_enter_exec_root(const struct myc_plan *p);
void myc_chroot_root(const struct myc_plan *p);
/* Send MSG_HOOKS and wait for MSG_HOOKS_DONE (root.c). */
void myc_pause_for_hooks(const struct myc_plan *p);

#endif
