#!/usr/bin/env bash
# Run one command inside a throwaway qemu VM that boots Debian's cloud kernel
# with cgroup v2 only (cgroup_no_v1=all; --cgroup v1 for v1 only), and exit
# with the command's status.
#
#   tests/vm/run.sh [--mem 1024M] [--timeout 300] [--smp 2] [--files DIR]
#                   [--module NAME]... [--icount SHIFT] [--cgroup v1|v2]
#                   [--verbose] -- CMD [ARGS...]
#
# stdout carries the command's output (stdout and stderr merged, from the
# guest's ttyS1); everything this script says itself goes to stderr, prefixed
# "vm:". Exit status: the command's own, 124 on timeout, 125 when the VM could
# not be prepared or the guest never reported a status.
# See tests/vm/README.md and shared/notes/vm-cgroup-v2.md.
set -euo pipefail

readonly KERNEL_META=linux-image-cloud-amd64
export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin"
export DEBIAN_FRONTEND=noninteractive

mem=1024M
timeout_s=300
smp=2
icount=
cgroup=v2
files=
verbose=0
modules=(overlay veth)
cache=${MYCONTAINER_VM_CACHE:-/var/cache/mycontainer-vm}

log() { printf 'vm: %s\n' "$*" >&2; }
die() {
	log "$*"
	exit 125
}
now() { date +%s.%N; }
# elapsed START [END]: seconds between two `now` readings, one decimal.
elapsed() { awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.1f", b - a }'; }

usage() {
	cat <<'EOF'
usage: tests/vm/run.sh [OPTIONS] -- CMD [ARGS...]

Boots Debian's cloud kernel with cgroup v2 only in a qemu (TCG) VM, runs
CMD ARGS... in /mnt/files as root, prints its output and exits with its status.

  --mem SIZE      guest RAM, qemu syntax (default 1024M); --files lives in it
  --timeout SECS  kill the VM after SECS seconds and exit 124 (default 300)
  --smp N         guest CPUs (default 2)
  --files DIR     copy DIR's contents to /mnt/files in the guest (static
                  binaries only: the guest has busybox and nothing else)
  --module NAME   also load kernel module NAME (+ deps); overlay and veth
                  are always loaded
  --icount SHIFT  count instructions: the guest's clock advances 2^SHIFT ns
                  per instruction executed, whatever the host's load (one
                  host thread runs every vCPU); for measuring (bench/v2.sh)
  --cgroup v1     boot with cgroup v1 instead (no cgroup_no_v1=all): cpu,
                  cpuacct, cpuset, memory, devices, freezer, blkio and pids
                  each in its own hierarchy, and name=systemd, as on this
                  project's dev host, without its cgroup2; for comparing
                  v1 with v2 in the same VM (bench/v2.sh --cgroup v1)
  --verbose       print the kernel console even when the command succeeds
  -h, --help      this text

Environment: MYCONTAINER_VM_CACHE (default /var/cache/mycontainer-vm) holds
the kernel, fetched with apt-get on first use; MYCONTAINER_VM_APPEND adds
kernel command line arguments (e.g. "loglevel=7" with --verbose).
Exit status: CMD's, 124 on timeout, 125 if the VM failed (reason on stderr).
EOF
}

while (($#)); do
	case $1 in
	--mem | --timeout | --smp | --files | --module | --icount | --cgroup)
		(($# >= 2)) || {
			usage >&2
			exit 2
		}
		case $1 in
		--mem) mem=$2 ;;
		--timeout) timeout_s=$2 ;;
		--smp) smp=$2 ;;
		--icount) icount=$2 ;;
		--cgroup) cgroup=$2 ;;
		--files) files=$2 ;;
		--module) modules+=("$2") ;;
		esac
		shift 2
		;;
	--mem=*) mem=${1#*=} && shift ;;
	--timeout=*) timeout_s=${1#*=} && shift ;;
	--smp=*) smp=${1#*=} && shift ;;
	--icount=*) icount=${1#*=} && shift ;;
	--cgroup=*) cgroup=${1#*=} && shift ;;
	--files=*) files=${1#*=} && shift ;;
	--module=*) modules+=("${1#*=}") && shift ;;
	-v | --verbose) verbose=1 && shift ;;
	-h | --help)
		usage
		exit 0
		;;
	--)
		shift
		break
		;;
	*)
		log "unknown argument: $1"
		usage >&2
		exit 2
		;;
	esac
done
if (($# == 0)); then
	log "no command given"
	usage >&2
	exit 2
fi
[[ $timeout_s =~ ^[1-9][0-9]*$ ]] || die "--timeout wants whole seconds, got '$timeout_s'"
[[ $smp =~ ^[1-9][0-9]*$ ]] || die "--smp wants a number, got '$smp'"
[[ -z $icount || $icount =~ ^([0-9]|10)$ ]] || die "--icount wants a shift from 0 to 10, got '$icount'"
[[ $cgroup == v1 || $cgroup == v2 ]] || die "--cgroup wants v1 or v2, got '$cgroup'"
[[ $mem =~ ^([1-9][0-9]*)([MmGg]?)$ ]] || die "--mem wants e.g. 1024M or 2G, got '$mem'"
mem_mib=${BASH_REMATCH[1]}
[[ ${BASH_REMATCH[2]} == [Gg] ]] && mem_mib=$((mem_mib * 1024))
if [[ -n $files && ! -d $files ]]; then
	die "--files: $files is not a directory"
fi

t_start=$(now)

# ---------------------------------------------------------------- clean-up
work=
fetch_stage=
pids=()
# shellcheck disable=SC2317 # called from the EXIT trap
cleanup() {
	local pid
	# Only what this script started, by PID. timeout(1) passes the TERM on
	# to qemu and follows up with KILL (--kill-after).
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	if [[ -n $work ]]; then
		rm -rf -- "$work"
	fi
	if [[ -n $fetch_stage ]]; then
		rm -rf -- "$fetch_stage"
	fi
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT
trap 'log "terminated"; exit 143' TERM HUP

work=$(mktemp -d "${TMPDIR:-/tmp}/mycontainer-vm.XXXXXXXX")

# ---------------------------------------------------------------- host tools
apt_updated=0
apt_update() {
	((apt_updated)) && return 0
	log "apt-get update"
	apt-get update -q >&2 || return 1
	apt_updated=1
}

apt_install() {
	log "installing $*"
	apt-get install -y -q --no-install-recommends "$@" >&2 ||
		{ apt_update && apt-get install -y -q --no-install-recommends "$@" >&2; } ||
		die "apt-get install $* failed"
}

ensure_tools() {
	local need=()
	command -v qemu-system-x86_64 >/dev/null || need+=(qemu-system-x86)
	command -v cpio >/dev/null || need+=(cpio)
	{ command -v depmod && command -v modprobe; } >/dev/null || need+=(kmod)
	command -v timeout >/dev/null || need+=(coreutils)
	command -v flock >/dev/null || need+=(util-linux)
	if ((${#need[@]})); then
		apt_install "${need[@]}"
	fi
}

# apt_download DIR PKG...: apt-get download into DIR, updating the package
# lists once if the first try fails (a clean machine may have none).
apt_download() {
	local dir=$1
	shift
	# apt drops to user _apt for downloads; let it write there.
	if id _apt >/dev/null 2>&1; then
		chown _apt "$dir"
	fi
	(cd "$dir" && apt-get download -q "$@" >&2) && return 0
	apt_update || return 1
	(cd "$dir" && apt-get download -q "$@" >&2)
}

# kernel_package: the linux-image-X.Y.Z-N-cloud-amd64 that the meta
# package depends on today.
kernel_package() {
	apt-cache depends --no-recommends --no-suggests --no-conflicts \
		--no-breaks --no-replaces --no-enhances "$KERNEL_META" 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }'
}

# ensure_kernel: sets kroot (extracted package), kver (uname -r), vmlinuz.
# The cache holds kernel/ -> <package>/ with a .ready stamp; it is filled
# once, under a lock, and never touched again.
ensure_kernel() {
	local lockfd pkg stage deb moddir
	mkdir -p "$cache"
	if [[ ! -e $cache/kernel/.ready ]]; then
		exec {lockfd}>"$cache/.lock"
		flock "$lockfd"
		if [[ ! -e $cache/kernel/.ready ]]; then
			local t0
			# Left by a fetch that was killed; we hold the lock.
			rm -rf -- "$cache"/.fetch.*
			t0=$(now)
			pkg=$(kernel_package)
			if [[ -z $pkg ]]; then
				apt_update || true
				pkg=$(kernel_package)
			fi
			[[ -n $pkg ]] || die "cannot resolve the package behind $KERNEL_META (apt-cache depends)"
			log "fetching $pkg into $cache (once)"
			stage=$(mktemp -d "$cache/.fetch.XXXXXXXX")
			# Removed by the EXIT trap too if anything below fails.
			fetch_stage=$stage
			apt_download "$stage" "$pkg" || die "apt-get download $pkg failed"
			deb=$(find "$stage" -maxdepth 1 -name "${pkg}_*.deb" -print -quit)
			[[ -n $deb ]] || die "apt-get download left no ${pkg}_*.deb"
			mkdir "$stage/root"
			dpkg-deb -x "$deb" "$stage/root"
			rm -f -- "$deb"
			moddir=$(find "$stage/root/lib/modules" "$stage/root/usr/lib/modules" \
				-mindepth 1 -maxdepth 1 -type d -print -quit 2>/dev/null || true)
			[[ -n $moddir ]] || die "$pkg has no lib/modules/<version>"
			kver=${moddir##*/}
			# depmod -b/modprobe -d look in ROOT/lib/modules.
			if [[ ! -d $stage/root/lib/modules ]]; then
				mkdir -p "$stage/root/lib"
				ln -s ../usr/lib/modules "$stage/root/lib/modules"
			fi
			[[ -f $stage/root/boot/vmlinuz-$kver ]] || die "$pkg has no boot/vmlinuz-$kver"
			# The .deb ships no modules.dep.
			depmod -b "$stage/root" "$kver"
			printf '%s\n' "$kver" >"$stage/root/.kver"
			printf '%s\n' "$pkg" >"$stage/root/.package"
			touch "$stage/root/.ready"
			rm -rf -- "${cache:?}/$pkg"
			mv -T "$stage/root" "$cache/$pkg"
			ln -sfn "$pkg" "$cache/kernel"
			rm -rf -- "$stage"
			fetch_stage=
			log "kernel $kver ready in $(elapsed "$t0")s"
		fi
		exec {lockfd}>&-
	fi
	kroot=$cache/kernel
	kver=$(<"$kroot/.kver")
	vmlinuz=$kroot/boot/vmlinuz-$kver
}

# ensure_busybox: sets busybox to a static busybox binary. The host's
# /bin/busybox if it is static (busybox-static installed), else the one from
# the busybox-static package, fetched once into the cache without installing.
ensure_busybox() {
	local stage deb lockfd
	if [[ -x /bin/busybox ]] && ! ldd /bin/busybox >/dev/null 2>&1; then
		busybox=/bin/busybox
		return
	fi
	busybox=$cache/busybox-static/bin/busybox
	[[ -x $busybox ]] && return
	exec {lockfd}>"$cache/.lock"
	flock "$lockfd"
	if [[ ! -x $busybox ]]; then
		log "fetching busybox-static into $cache (once)"
		stage=$(mktemp -d "$cache/.fetch.XXXXXXXX")
		fetch_stage=$stage
		apt_download "$stage" busybox-static || die "apt-get download busybox-static failed"
		deb=$(find "$stage" -maxdepth 1 -name 'busybox-static_*.deb' -print -quit)
		[[ -n $deb ]] || die "apt-get download left no busybox-static_*.deb"
		mkdir "$stage/root"
		dpkg-deb -x "$deb" "$stage/root"
		[[ -x $stage/root/bin/busybox ]] || die "busybox-static has no bin/busybox"
		rm -rf -- "$cache/busybox-static"
		mv -T "$stage/root" "$cache/busybox-static"
		rm -rf -- "$stage"
		fetch_stage=
	fi
	exec {lockfd}>&-
}

ensure_tools
ensure_kernel
ensure_busybox

# ---------------------------------------------------------------- initramfs
t_build=$(now)
root=$work/initramfs
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,proc,sys,dev,tmp,run,root,mnt/files,lib/modules}
cp "$busybox" "$root/bin/busybox"

# Modules and their dependencies, in load order, deduplicated.
declare -A seen=()
: >"$root/etc/modules"
for m in "${modules[@]}"; do
	deps=$(modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>&1) ||
		die "module $m: $deps"
	while read -r kind path _; do
		[[ $kind == insmod ]] || continue # "builtin NAME": nothing to load
		name=${path##*/}
		[[ -z ${seen[$name]:-} ]] || continue
		seen[$name]=1
		case $name in
		*.ko) cp "$path" "$root/lib/modules/$name" ;;
		*.ko.xz) xz -dc "$path" >"$root/lib/modules/${name%.xz}" && name=${name%.xz} ;;
		*.ko.zst) zstd -qdc "$path" >"$root/lib/modules/${name%.zst}" && name=${name%.zst} ;;
		*.ko.gz) gzip -dc "$path" >"$root/lib/modules/${name%.gz}" && name=${name%.gz} ;;
		*) die "module $m: unexpected file $path" ;;
		esac
		printf '%s\n' "$name" >>"$root/etc/modules"
	done <<<"$deps"
done

cat >"$root/etc/passwd" <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:user:/tmp:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
cat >"$root/etc/group" <<'EOF'
root:x:0:
tty:x:5:
user:x:1000:
nogroup:x:65534:
EOF
printf '127.0.0.1\tlocalhost\n::1\tlocalhost\n' >"$root/etc/hosts"
printf 'mycontainer-vm\n' >"$root/etc/hostname"
printf '%s\n' "$cgroup" >"$root/etc/vm-cgroup"

# The command, each word single-quoted for the guest's sh.
{
	printf 'exec'
	for arg in "$@"; do
		printf " '%s'" "${arg//\'/\'\\\'\'}"
	done
	printf '\n'
} >"$root/etc/vm-command"

# Stage 1 (PID 1 on the initramfs): pivot_root(2) fails with EINVAL while /
# is the initramfs, so move everything into a tmpfs and switch_root into it
# (busybox switch_root insists on /init staying behind; it deletes it).
cat >"$root/init" <<'EOF'
#!/bin/busybox sh
bb=/bin/busybox
$bb mkdir -p /newroot
$bb mount -t tmpfs -o mode=0755 rootfs /newroot
for f in /*; do
	case $f in /newroot | /bin | /init) ;; *) $bb mv "$f" /newroot/ ;; esac
done
$bb mv /bin /newroot/
bb=/newroot/bin/busybox
exec $bb switch_root /newroot /stage2
EOF

# Stage 2 (PID 1 on the tmpfs): mounts, modules, the command, the status.
cat >"$root/stage2" <<'EOF'
#!/bin/busybox sh
export PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb
/bin/busybox mount -t proc proc /proc
/bin/busybox --install -s

fail() {
	echo "vm-init: $*"
	echo "error $*" >/dev/ttyS2
	poweroff -f
	sleep 60
}
must() { "$@" || fail "$*"; }

must mount -t sysfs sysfs /sys
must mount -t devtmpfs devtmpfs /dev
# What udev makes on a usual host; bash's <(...) needs /dev/fd.
must ln -s /proc/self/fd /dev/fd
mkdir -p /dev/pts /dev/shm
must mount -t devpts -o gid=5,mode=0620,ptmxmode=0666 devpts /dev/pts
must mount -t tmpfs -o mode=1777 tmpfs /dev/shm
must mount -t tmpfs -o mode=1777 tmpfs /tmp
must mount -t tmpfs -o mode=0755 tmpfs /run
if [ "$(cat /etc/vm-cgroup)" = v1 ]; then
	must mount -t tmpfs -o mode=0755 tmpfs /sys/fs/cgroup
	for c in cpu cpuacct cpuset memory devices freezer blkio pids none,name=systemd; do
		must mkdir "/sys/fs/cgroup/${c##*=}"
		must mount -t cgroup -o "$c" cgroup "/sys/fs/cgroup/${c##*=}"
	done
else
	must mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
fi
must ip link set lo up
hostname -F /etc/hostname
while read -r m; do
	must insmod "/lib/modules/$m"
done </etc/modules
# Dynamic host programs (tests/vm/hostbin.sh) brought their loader and
# libraries under hostroot/, at the host's paths: link each one to the
# same path here, where the ELF interpreter and the loader's search path
# are looked for.
if [ -d /mnt/files/hostroot ]; then
	for f in $(cd /mnt/files/hostroot && find . -type f); do
		f=${f#.}
		must mkdir -p "${f%/*}"
		must ln -sf "/mnt/files/hostroot$f" "$f"
	done
fi
must stty -F /dev/ttyS1 raw -echo
must stty -F /dev/ttyS2 raw -echo
must cd /mnt/files

read -r up _ </proc/uptime
echo "start $up" >/dev/ttyS2
sh /etc/vm-command </dev/null >/dev/ttyS1 2>&1
rc=$?
read -r up _ </proc/uptime
# Leftover children would keep ttyS1 open; once they are gone, the last
# close waits until the serial port has sent everything.
kill -9 -1 2>/dev/null
sleep 0.2
: >/dev/ttyS1
echo "end $up" >/dev/ttyS2
echo "exit $rc" >/dev/ttyS2
poweroff -f
sleep 60
EOF
chmod 0755 "$root/init" "$root/stage2"

if [[ -n $files ]]; then
	cp -a -- "$files/." "$root/mnt/files/"
fi

initrd=$work/initramfs.cpio
(cd "$root" && find . -mindepth 1 -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet) >"$initrd"
rm -rf -- "$root"
initrd_mib=$(($(stat -c %s "$initrd") / 1048576))
if ((initrd_mib * 3 > mem_mib)); then
	log "warning: the initramfs is ${initrd_mib} MiB and lives in guest RAM (--mem $mem); consider a larger --mem"
fi
t_built=$(now)

# ---------------------------------------------------------------- boot
# ttyS0: kernel console (file); ttyS1: the command's output, streamed
# through a FIFO pair; ttyS2: "start/end <uptime>" and "exit <status>".
mkfifo "$work/out.in" "$work/out.out"
: >"$work/console"
: >"$work/status"
# Hold a write end of the output FIFO so that cat's open does not block
# even if qemu never starts; cat sees EOF once this and qemu's are closed.
exec 3<>"$work/out.out"
cat "$work/out.out" 3>&- &
cat_pid=$!
pids+=("$cat_pid")

cgroup_arg=" cgroup_no_v1=all"
[[ $cgroup == v2 ]] || cgroup_arg=
qemu=(
	qemu-system-x86_64
	-accel tcg ${icount:+-icount shift=$icount} -cpu max -machine q35 -smp "$smp" -m "$mem"
	-nodefaults -no-user-config -display none -no-reboot -nic none
	-kernel "$vmlinuz" -initrd "$initrd"
	-append "console=ttyS0 panic=-1 quiet loglevel=3${cgroup_arg}${MYCONTAINER_VM_APPEND:+ $MYCONTAINER_VM_APPEND}"
	-serial "file:$work/console"
	-serial "pipe:$work/out"
	-serial "file:$work/status"
)
t_boot=$(now)
timeout --kill-after=10 "$timeout_s" "${qemu[@]}" </dev/null 3>&- &
qemu_pid=$!
pids+=("$qemu_pid")
qemu_rc=0
wait "$qemu_pid" || qemu_rc=$?
t_end=$(now)
exec 3>&-
wait "$cat_pid" || true
pids=()

# ---------------------------------------------------------------- verdict
status=$(tr -d '\r' <"$work/status")
guest_start=$(awk '$1 == "start" { print $2 }' <<<"$status")
guest_end=$(awk '$1 == "end" { print $2 }' <<<"$status")
guest_rc=$(awk '$1 == "exit" { print $2 }' <<<"$status")
guest_err=$(sed -n 's/^error //p' <<<"$status")

summary="kernel $kver, initramfs ${initrd_mib} MiB built in $(elapsed "$t_build" "$t_built")s"
[[ -n $guest_start ]] && summary+=", command started at ${guest_start}s guest uptime"
[[ -n $guest_end ]] && summary+=", ran $(elapsed "$guest_start" "$guest_end")s"
summary+=", qemu $(elapsed "$t_boot" "$t_end")s, total $(elapsed "$t_start" "$t_end")s"

show_console() {
	log "---- kernel console (ttyS0) ----"
	tr -d '\r' <"$work/console" | tail -n 300 >&2
	log "---- end of kernel console ----"
}

reason=
rc=0
if ((qemu_rc == 124 || qemu_rc == 137)) && [[ -z $guest_rc ]]; then
	reason="timed out after ${timeout_s}s"
	rc=124
elif [[ -n $guest_err ]]; then
	reason="guest setup failed: $guest_err"
	rc=125
elif [[ $guest_rc =~ ^[0-9]+$ ]]; then
	rc=$guest_rc
elif ((qemu_rc != 0)); then
	reason="qemu exited with status $qemu_rc before the guest reported a status"
	rc=125
else
	panic=$(grep -m1 -a 'Kernel panic' "$work/console" | tr -d '\r' || true)
	reason="the guest never reported a status${panic:+ ($panic)}"
	if [[ ! -s $work/console ]]; then
		reason+=" and the kernel printed nothing (is --mem $mem too small for kernel and initramfs?)"
	fi
	rc=125
fi

if ((rc != 0 || verbose)); then
	show_console
fi
log "$summary"
if [[ -n $reason ]]; then
	log "$reason"
elif ((rc != 0)); then
	log "command exited with status $rc"
fi
exit "$rc"
