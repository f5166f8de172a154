/*
 * root.c: move init into its new root with pivot_root, before any code of
 * the container can run.
 *
 * The root is taken as a detached copy with open_tree(OPEN_TREE_CLONE),
 * attached on top of "/" and pivoted into with pivot_root(".", "."). This
 * works the same for --rootfs DIR and for the default root (the host's "/"
 * made read-only), and it never creates a mount or a directory on the host.
 *
 * Bind sources are opened the same way *before* the pivot, while host paths
 * are still reachable. Go attaches them after the pivot with move_mount, in
 * the order of the mount plan (a later mount may cover an earlier one).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/mount.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "nsexec.h"

static const char *enosys_hint(int err);

static int open_tree_clone(const char *path)
{
	return (int)syscall(SYS_open_tree, AT_FDCWD, path,
			    OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
}

static const char *enosys_hint(int err)
{
	return err == ENOSYS ? "this kernel lacks the new mount API; mycontainer needs Linux 5.12 or later" : NULL;
}

/*
 * Open the bind sources that ask for shared propagation (peers 1) or the
 * others (peers 0) as detached trees, for Go to attach in plan order:
 * init's before its pivot, the mount helper's (MYC_A_MOUNT_HELPER) peers
 * before it joins init's namespaces and the rest once in them, where
 * init would have opened them.
 */
void myc_open_binds(const struct myc_plan *p, int peers)
{
	int i;

	for (i = 0; i < p->nbinds; i++) {
		if (p->bind_peer[i] != peers)
			continue;
		myc_state.bind_fds[i] = open_tree_clone(p->bind_sources[i]);
		if (myc_state.bind_fds[i] < 0)
			myc_fail("open bind source", p->bind_sources[i], errno, enosys_hint(errno));
	}
	myc_state.nbinds = p->nbinds;
}

/*
 * The overlayfs root of `run --image`, made here, in init's own mount
 * namespace, with the new mount API: the layers (top first) stacked with
 * "lowerdir+" one at a time (no length limit on the list), the
 * container's upper and work directories, and a detached mount that
 * exists only in this namespace. Nothing is mounted on the host, so the
 * mount dies with the container on every exit path.
 */
/*
 * overlayfs reads "upperdir" and "workdir" with '\' as an escape (the
 * layers of "lowerdir+" are taken as they are), so a store path with a
 * '\' would name another directory: they are given as /proc/self/fd/N of
 * the opened directory, which overlayfs resolves right here.
 */
static void set_dir_by_fd(int fs, const char *key, const char *path)
{
	char name[32];
	int fd = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		myc_fail("open overlay directory", path, errno, NULL);
	snprintf(name, sizeof(name), "/proc/self/fd/%d", fd);
	if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, key, name, 0) < 0)
		myc_fail(key, path, errno, NULL);
	close(fd);
}

static int overlay_root(const struct myc_plan *p)
{
	int fs, mnt, i;

	fs = (int)syscall(SYS_fsopen, "overlay", FSOPEN_CLOEXEC);
	if (fs < 0)
		myc_fail("fsopen overlay", p->upper, errno, errno == ENODEV ? "this kernel has no overlayfs (modprobe overlay)" : NULL);
	for (i = 0; i < p->nlower; i++)
		if (syscall(SYS_fsconfig, fs, FSCONFIG_SET_STRING, "lowerdir+", p->lower[i], 0) < 0)
			myc_fail("overlay layer", p->lower[i], errno,
				 errno == EINVAL ? "lowerdir+ needs Linux 6.8 or later" : NULL);
	set_dir_by_fd(fs, "upperdir", p->upper);
	set_dir_by_fd(fs, "workdir", p->work);
	if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
		myc_fail("create overlay", p->upper, errno, NULL);
	mnt = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
	if (mnt < 0)
		myc_fail("fsmount overlay", p->upper, errno, NULL);
	close(fs);
	return mnt;
}

/*
 * The same root on a kernel without "lowerdir+" (before Linux 6.8: Debian
 * 12's 6.1, Ubuntu 22.04's 5.15; Go's plan says so, MYC_A_OVERLAY_STRING).
 * There overlayfs takes its layers only as one "lowerdir=a:b:c" string,
 * which fsconfig copies at most 255 bytes of (strndup_user(_value, 256)
 * in fs/fsopen.c): three of the store's paths. mount(2) copies a page, and
 * here the string names no path at all: the layers, the upper and the
 * work directory are opened first and named by their fd numbers, which
 * overlayfs resolves (at mount time, in this process) relative to the
 * working directory, /proc/self/fd. So a few bytes a layer (500, overlayfs's
 * most, fit in a page), and no ':', ',' or '\' of a store or rootfs path
 * is ever parsed by overlayfs, so none can split a layer into ones the
 * path's owner chose. mount(2) needs a place: the upper directory's own
 * path, in this namespace only ("/" is rslave), from which open_tree
 * takes the detached copy that overlay_root would have made; the mount
 * left there goes with the old root at pivot_root.
 */
static int overlay_root_string(const struct myc_plan *p)
{
	static int fds[MYC_MAX_LOWER + 2];
	char data[4096];
	size_t off;
	int cwd, mnt, n = p->nlower + 2, i, len;

	for (i = 0; i < n; i++) {
		const char *path = i < p->nlower ? p->lower[i] : i == p->nlower ? p->upper : p->work;
		fds[i] = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
		if (fds[i] < 0)
			myc_fail("open overlay directory", path, errno, NULL);
	}
	off = (size_t)snprintf(data, sizeof(data), "upperdir=%d,workdir=%d,lowerdir=", fds[p->nlower], fds[p->nlower + 1]);
	for (i = 0; i < p->nlower && off < sizeof(data); i++) {
		len = snprintf(data + off, sizeof(data) - off, i ? ":%d" : "%d", fds[i]);
		off += len < 0 ? sizeof(data) : (size_t)len;
	}
	if (off >= sizeof(data))
		myc_fail("overlay options", p->upper, E2BIG, "the layers do not fit in one lowerdir= string");
	cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (cwd < 0 || chdir("/proc/self/fd") < 0)
		myc_fail("chdir /proc/self/fd", p->upper, errno, NULL);
	if (mount("overlay", p->upper, "overlay", 0, data) < 0)
		myc_fail("mount overlay", p->upper, errno, NULL);
	if (fchdir(cwd) < 0)
		myc_fail("chdir back", p->upper, errno, NULL);
	close(cwd);
	for (i = 0; i < n; i++)
		close(fds[i]);
	mnt = open_tree_clone(p->upper);
	if (mnt < 0)
		myc_fail("open_tree overlay", p->upper, errno, enosys_hint(errno));
	return mnt;
}

/*
 * The hooks that config.md runs "after the mount namespace was created and
 * set up but before pivot_root" (prestart, createRuntime, createContainer):
 * the parent runs them, createContainer ones inside this namespace, while
 * this process waits here. The root is attached at its host path so that
 * a hook that mounts under root.path (GPU and library injection do)
 * mounts into the tree that becomes "/". What runs is the parent's
 * business; C only says where it is and waits for the go-ahead.
 */
void myc_pause_for_hooks(const struct myc_plan *p)
{
	struct myc_frame f;
	char *msg;
	uint32_t len;
	uint64_t t0 = myc_now_ns();

	myc_frame_init(&f, MYC_MSG_HOOKS);
	if (myc_frame_send(myc_state.sync_fd, &f) < 0)
		myc_fail("ask for the hooks", p->rootfs, errno, NULL);
	/* An end of stream, or anything else, is no go-ahead: stop here. */
	if (myc_frame_recv(myc_state.sync_fd, MYC_MSG_HOOKS_DONE, &msg, &len) < 0)
		_exit(MYC_EXIT_RUNTIME);
	free(msg);
	myc_log_step("hooks (prestart, createRuntime, createContainer)", t0, myc_now_ns());
}


void myc_enter_root(const struct myc_plan *p)
{
	struct mount_attr ro = { .attr_set = MOUNT_ATTR_RDONLY };
	uint64_t t0, t1, t2;
	int root;

	if (p->root_chroot) {
		myc_chroot_root(p); /* no mount namespace of its own: chroot.c */
		return;
	}
	t0 = myc_now_ns();
	if (!(p->clone_flags & CLONE_NEWNS))
		myc_fail("enter root", p->rootfs, EINVAL, "a new mount namespace is required");

	/*
	 * A bind that asks for shared propagation is taken while this
	 * namespace's copy of its source is still a peer of the host's: the
	 * clone joins that peer group, so what the container mounts inside
	 * it appears on the host, as the config asked.
	 */
	myc_open_binds(p, 1);
	/*
	 * Stop propagation from this namespace back to the host: without this a
	 * mount made in the container would appear on a shared host mount.
	 * MS_SLAVE keeps host mounts flowing in but never out.
	 */
	if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
		myc_fail("make / rslave", "/", errno, NULL);

	root = !p->nlower ? open_tree_clone(p->rootfs) : p->overlay_string ? overlay_root_string(p) : overlay_root(p);
	if (root < 0)
		myc_fail("open_tree rootfs", p->rootfs, errno, enosys_hint(errno));
	if (p->host_root_readonly &&
	    syscall(SYS_mount_setattr, root, "", AT_EMPTY_PATH | AT_RECURSIVE, &ro, sizeof(ro)) < 0)
		myc_fail("make rootfs read-only", p->rootfs, errno, enosys_hint(errno));

	myc_open_binds(p, 0);
	t1 = myc_now_ns();
	myc_log_step("mounts (rootfs clone)", t0, t1);

	/*
	 * On top of "/" the root hides nothing anyone needs. For the hooks it
	 * goes on its own path instead (in this namespace only: "/" is rslave),
	 * where they find it.
	 */
	if (syscall(SYS_move_mount, root, "", AT_FDCWD, p->hook_pause ? p->rootfs : "/", MOVE_MOUNT_F_EMPTY_PATH) < 0)
		myc_fail("attach rootfs", p->rootfs, errno, NULL);
	if (p->hook_pause) {
		myc_pause_for_hooks(p);
		t1 = myc_now_ns();
	}
	if (fchdir(root) < 0)
		myc_fail("chdir into rootfs", p->rootfs, errno, NULL);
	close(root);
	/*
	 * pivot_root(".", ".") stacks the old root on top of the new one; the
	 * lazy unmount then drops it, so no path leads back to the host's "/".
	 */
	if (syscall(SYS_pivot_root, ".", ".") < 0)
		myc_fail("pivot_root into", p->rootfs, errno,
			 errno == EINVAL ? "pivot_root fails when / is an initramfs (rootfs); boot with a real root or switch_root first" : NULL);
	if (umount2(".", MNT_DETACH) < 0)
		myc_fail("detach old root", p->rootfs, errno, NULL);
	if (chdir("/") < 0)
		myc_fail("chdir /", p->rootfs, errno, NULL);
	t2 = myc_now_ns();
	myc_log_step("pivot_root", t1, t2);
	myc_state.ready_ns = t2;
}
