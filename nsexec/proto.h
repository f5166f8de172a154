/*
 * proto.h: the one framed protocol spoken between the Go parent and every
 * stage of the container (C stage-1, C init, Go init).
 *
 * It is the single source of truth: the Go side reads these constants
 * through cgo (consts.go), so the two sides cannot drift apart.
 *
 * Transport: an AF_UNIX SOCK_SEQPACKET socketpair. SEQPACKET keeps message
 * boundaries and carries SCM_RIGHTS (the pty master travels that way).
 *
 * Frame:   u32 payload_len | u32 type | payload
 * Payload: a sequence of attributes, each u32 attr_type | u32 len | bytes.
 * All integers are host-endian (both ends are the same machine). Strings
 * are sent without a terminating NUL. The C side only ever looks at the
 * handful of attributes it needs: it never parses JSON or anything else
 * that is not length-checked.
 *
 * Unknown attributes: the runtime and every stage are the same binary, so
 * an attribute a reader does not know is a bug, never a newer sender, and
 * every reader fails on one. The one exception is explicit: bootstrap
 * attributes are numbered in two ranges, and C skips the Go-only range
 * (from MYC_A_GO_FIRST on) whole, so a Go-only attribute needs no C change.
 * Reports (MSG_LOG, MSG_ERROR) are the other way round on purpose: the
 * parent reads what it can of them, because dropping a failure's report
 * over one odd attribute would hide why the container failed.
 */
#ifndef MYC_PROTO_H
#define MYC_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define MYC_ENV_INITPIPE "_MYCONTAINER_INITPIPE"
/*
 * --preserve-fds N: the caller's fds 3 to 3+N-1 are the process's too,
 * and the sync socket is then fd 3+N. Without it N is 0.
 */
#define MYC_ENV_PRESERVE_FDS "_MYCONTAINER_PRESERVE_FDS"

/* A bootstrap larger than this is refused before anything is allocated. */
#define MYC_MAX_FRAME (4u << 20)
#define MYC_HDR_LEN 8u
#define MYC_ATTR_HDR_LEN 8u

/*
 * Exit codes of a failed start, as docker's `run` defines them, for every
 * stage and the CLI alike (Go reads them through cgo: nsexec/consts.go).
 */
enum {
	MYC_EXIT_RUNTIME = 125,        /* the runtime itself failed */
	MYC_EXIT_NOT_EXECUTABLE = 126, /* the command exists but cannot be executed */
	MYC_EXIT_NOT_FOUND = 127,      /* the command does not exist */
};

/* Message types. */
enum {
	MYC_MSG_BOOTSTRAP = 1, /* parent -> stage-1: the whole container plan */
	MYC_MSG_PID = 2,       /* stage-1 -> parent: host PID of init */
	MYC_MSG_LOG = 3,       /* any stage -> parent: one timeline step */
	MYC_MSG_ERROR = 4,     /* any stage -> parent: step, path, errno, exit code */
	MYC_MSG_PTY = 5,       /* init -> parent: pty master as SCM_RIGHTS */
	MYC_MSG_READY = 6,     /* init -> parent: set up, waiting for start */
	MYC_MSG_START = 7,     /* parent -> init: go on to the command (MYC_A_WAIT_START) */
	/*
	 * init -> parent (MYC_A_HOOK_PAUSE): the mount namespace is set up and
	 * the root is attached at its host path, not yet pivoted into; the
	 * parent runs the prestart, createRuntime and createContainer hooks
	 * and answers with MYC_MSG_HOOKS_DONE. No attributes either way.
	 */
	MYC_MSG_HOOKS = 8,
	MYC_MSG_HOOKS_DONE = 9, /* parent -> init: the hooks ran, go on to pivot_root */
};

/*
 * Bootstrap attributes. Below MYC_A_GO_FIRST: read by the C constructor
 * (and by Go); C fails on an unknown one. From MYC_A_GO_FIRST on: read by
 * Go only; C skips them. Go fails on any attribute it does not know.
 * A u32 flag (1 = set, absent = unset) is one line in the flag tables:
 * nsexec/flags.go for Go, plan_flags in plan.c for C-range ones.
 */
enum {
	MYC_A_CLONE_FLAGS = 1,   /* u64 namespace flags for clone() */
	MYC_A_HOSTNAME = 2,      /* string */
	MYC_A_ROOTFS = 3,        /* absolute host path of the root */
	MYC_A_HOST_ROOT_READONLY = 4, /* flag: make the whole root tree read-only */
	MYC_A_BIND_SOURCE = 5,   /* host path, repeated, opened with open_tree */
	MYC_A_DEBUG = 6,         /* flag: send MSG_LOG timeline steps */
	MYC_A_TTY = 7,           /* flag */
	MYC_A_INIT = 8,          /* flag: PID 1 stays as a reaping init */
	MYC_A_PDEATHSIG = 9,     /* flag: init dies with the runtime (`run`) */
	MYC_A_EXEC_FIFO = 10,    /* host path of the fifo `start` opens */
	MYC_A_JOIN_NS = 11,      /* u32 CLONE_NEW* type, then a host path; repeated */
	MYC_A_EXEC = 12,         /* flag: join a running container (`exec`), no new root */
	MYC_A_OVERLAY_LOWER = 13, /* host path, repeated, top first: the root is an overlayfs */
	MYC_A_OVERLAY_UPPER = 14, /* host path of its upper directory */
	MYC_A_OVERLAY_WORK = 15,  /* host path of its work directory */
	MYC_A_HOOK_PAUSE = 16,    /* flag: before pivot_root, send MSG_HOOKS and wait for MSG_HOOKS_DONE */
	/*
	 * u32 index of a MYC_A_BIND_SOURCE, repeated: open it before "/" is
	 * made rslave, so the bind stays a peer of the host's mount (shared
	 * propagation asked for it).
	 */
	MYC_A_BIND_PEER = 17,
	/*
	 * Flag: no new mount namespace (linux.namespaces has no "mount" entry,
	 * or one with a path, joined). The root is entered with chroot, as it
	 * is: nothing is mounted, cloned or cut off in a tree that is shared.
	 * With MYC_A_EXEC, MYC_A_ROOTFS is the running init's /proc/PID/root,
	 * opened before any namespace is joined.
	 */
	MYC_A_ROOT_CHROOT = 18,
	/*
	 * Flag, with MYC_A_OVERLAY_LOWER: the kernel has no overlayfs
	 * "lowerdir+" (before Linux 6.8): make the root with mount(2) and one
	 * "lowerdir=" string of fd numbers (root.c).
	 */
	MYC_A_OVERLAY_STRING = 19,

	MYC_A_GO_FIRST = 64,
	MYC_A_ARG = 64,          /* argv, repeated, in order */
	MYC_A_ENV = 65,          /* KEY=VALUE, repeated */
	MYC_A_CWD = 66,
	MYC_A_UID = 67,          /* u32 */
	MYC_A_GID = 68,          /* u32 */
	MYC_A_ADDGID = 69,       /* u32, repeated */
	MYC_A_WINSIZE = 70,      /* u16 rows, u16 cols */
	MYC_A_LOOPBACK = 71,     /* flag: bring lo up (new network namespace) */
	MYC_A_MOUNT = 72,        /* nested attributes, one mount step, in order */
	MYC_A_EXTRAS = 73,       /* nsexec.Extras, MYC_X_* attributes nested */
	MYC_A_WAIT_START = 74,   /* flag: after READY, wait for MSG_START on the socket */
	/*
	 * In MSG_START (Go-only): the seccomp agent's message, the
	 * ContainerProcessState JSON; the one fd passed with the frame is the
	 * runtime's connection to listenerPath.
	 */
	MYC_A_AGENT_STATE = 75,
	/*
	 * Flag, with MYC_A_WAIT_START: the runtime owns the container (the
	 * friendly `run --net bridge` waits to wire its network): PDEATHSIG
	 * stays armed after the start message.
	 */
	MYC_A_OWNED = 76,
	/*
	 * Flag, with MYC_A_EXEC: the mount helper. Started while init waits
	 * for the hooks (MYC_A_HOOK_PAUSE) with every namespace of init
	 * joined, it makes the plan's mounts (MYC_A_MOUNT) under MYC_A_ROOTFS,
	 * where init's root is attached then, and exits: the hooks see the
	 * config's mounts, and the pivot carries them along
	 * (container/hooks_mounts.go). C opens its bind sources as init's:
	 * MYC_A_BIND_PEER ones before the namespaces are joined.
	 */
	MYC_A_MOUNT_HELPER = 77,
};

/* Attributes nested in MYC_A_MOUNT (Go-only). */
enum {
	MYC_M_KIND = 1,       /* u32, see MYC_MOUNT_* */
	MYC_M_SOURCE = 2,
	MYC_M_TARGET = 3,
	MYC_M_FSTYPE = 4,
	MYC_M_DATA = 5,       /* fs options, comma separated key[=value] */
	MYC_M_ATTR = 6,       /* u64 MOUNT_ATTR_* flags */
	MYC_M_NOFOLLOW = 7,   /* flag: the target must not be a symlink */
	MYC_M_BIND_INDEX = 8, /* u32: which MYC_A_BIND_SOURCE fd to attach */
	MYC_M_FILE = 9,       /* flag: the target is a file, not a directory */
	MYC_M_REC_ATTR = 10,  /* u64 MOUNT_ATTR_* flags for the mount and every submount */
	MYC_M_REC_CLR = 11,   /* u64 MOUNT_ATTR_* flags cleared on the mount and every submount */
	MYC_M_PROPAGATION = 12, /* u32 MS_* propagation (MS_REC: every submount), repeated, in order, once attached */
	MYC_M_CLR = 13,       /* u64 MOUNT_ATTR_* flags cleared on the mount itself (MOUNT_ATTR__ATIME alone: "relatime", whose mode is 0) */
};

/*
 * Attributes nested in MYC_A_EXTRAS (Go-only: the OCI process and root
 * settings). Repeated ones keep their order. Entries made of several
 * fields (rlimit, sysctl, device, hook) nest MYC_XF_* attributes.
 */
enum {
	MYC_X_UMASK = 1,            /* u32 */
	MYC_X_NO_NEW_PRIVS = 2,     /* flag */
	MYC_X_OOM_SCORE_ADJ = 3,    /* u32 (an int32) */
	MYC_X_RLIMIT = 4,           /* nested XF_TYPE, XF_SOFT, XF_HARD; repeated */
	MYC_X_CAPS = 5,             /* nested XC_*: present = set all five sets */
	MYC_X_MASKED = 6,           /* string, repeated */
	MYC_X_READONLY = 7,         /* string, repeated */
	MYC_X_SYSCTL = 8,           /* nested XF_KEY, XF_VALUE; repeated */
	MYC_X_DEVICE = 9,           /* nested XF_PATH ... XF_GID; repeated */
	MYC_X_READONLY_ROOT = 10,   /* flag */
	MYC_X_SECCOMP = 11,         /* bytes: struct sock_filter array */
	MYC_X_SECCOMP_FLAGS = 12,   /* u32 */
	/* 13 was createContainer hooks: the parent runs them now (MSG_HOOKS). */
	MYC_X_HOOK_START_CTR = 14,  /* nested XF_PATH, XF_ARG..., XF_ENV..., XF_TIMEOUT; repeated */
	MYC_X_HOOK_STATE = 15,      /* bytes: the state JSON the hooks get on stdin */
	MYC_X_READONLY_DEV = 16,    /* flag: make /dev read-only once its nodes exist */
	MYC_X_ROOT_PROPAGATION = 17, /* u32: MS_* propagation of "/" once the mounts are in */
};

/* Fields of the nested MYC_X_* entries. */
enum {
	MYC_XF_TYPE = 1,    /* u32 (rlimit number) or string (device type) */
	MYC_XF_SOFT = 2,    /* u64 */
	MYC_XF_HARD = 3,    /* u64 */
	MYC_XF_KEY = 4,     /* string */
	MYC_XF_VALUE = 5,   /* string */
	MYC_XF_PATH = 6,    /* string */
	MYC_XF_MAJOR = 7,   /* u64 (an int64) */
	MYC_XF_MINOR = 8,   /* u64 (an int64) */
	MYC_XF_MODE = 9,    /* u32 */
	MYC_XF_UID = 10,    /* u32 */
	MYC_XF_GID = 11,    /* u32 */
	MYC_XF_ARG = 12,    /* string, repeated */
	MYC_XF_ENV = 13,    /* string, repeated */
	MYC_XF_TIMEOUT = 14, /* u32 seconds */
};

/* Capability sets nested in MYC_X_CAPS: each one byte per capability number. */
enum {
	MYC_XC_BOUNDING = 1,
	MYC_XC_EFFECTIVE = 2,
	MYC_XC_INHERITABLE = 3,
	MYC_XC_PERMITTED = 4,
	MYC_XC_AMBIENT = 5,
};

enum {
	MYC_MOUNT_FS = 1,      /* a new filesystem instance (proc, tmpfs, ...) */
	MYC_MOUNT_BIND = 2,    /* attach a detached bind-source tree */
	MYC_MOUNT_DEVICES = 3, /* populate a fresh /dev with the minimal nodes */
	MYC_MOUNT_SETATTR = 4, /* change the attributes of the mount at target */
};

/* Attributes of MSG_LOG and MSG_ERROR. */
enum {
	MYC_L_STEP = 1,  /* string: what was being done */
	MYC_L_START = 2, /* u64 CLOCK_MONOTONIC ns */
	MYC_L_END = 3,   /* u64 CLOCK_MONOTONIC ns */
	MYC_L_PATH = 4,  /* string: on what */
	MYC_L_ERRNO = 5, /* u32 */
	MYC_L_EXIT = 6,  /* u32: the exit code the runtime should use */
	MYC_L_HINT = 7,  /* string: why, or what to try */
	MYC_L_PID = 8,   /* u32 */
};

#endif
