#!/usr/bin/env bash
# Start-up cost and footprint of mycontainer beside runc, crun, bubblewrap,
# unshare and a plain exec, all measured in one interleaved run. See
# bench/README.md.
#
#   bench/run.sh [--rounds N] [--seq N] [--conc N] [--mem N] [--out FILE]
#                [--runtime PATH] [--rootfs DIR] [--keep]
#
# Run it as root, under the root suite lock, because it starts containers:
#   flock /tmp/mycontainer-root-suite.lock bench/run.sh
#
# Everything it makes (bundles, state roots, the launcher, logs) lives in one
# temp dir; every cgroup a runtime creates lives under a parent named
# mycontainer-bench. Both are removed on every exit path.
set -euo pipefail

usage() {
	echo "usage: $0 [--rounds N] [--seq N] [--conc N] [--mem N] [--out FILE] [--runtime PATH] [--rootfs DIR] [--keep]" >&2
	exit 2
}

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
ROUNDS=50 # rounds of the one-container loop
SEQ=100   # containers one after another
CONC=50   # containers at once
MEMR=3    # rounds of the monitor-RSS measurement
KEEP=0    # keep the temp dir (bundles, logs, raw data) for debugging
OUT=$HERE/RESULTS.md
MYC=$REPO/mycontainer
ROOTFS=$REPO/testdata/rootfs
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds | --seq | --conc | --mem | --out | --runtime | --rootfs)
		[ $# -ge 2 ] || usage
		case "$1" in
		--rounds) ROUNDS=$2 ;; --seq) SEQ=$2 ;; --conc) CONC=$2 ;; --mem) MEMR=$2 ;;
		--out) OUT=$2 ;; --runtime) MYC=$2 ;; --rootfs) ROOTFS=$2 ;;
		esac
		shift 2
		;;
	--keep) KEEP=1; shift ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
for n in "$ROUNDS" "$SEQ" "$CONC" "$MEMR"; do
	case "$n" in '' | *[!0-9]* | 0) echo "counts must be positive integers" >&2; exit 2 ;; esac
done
MYC=$(realpath "$MYC")
ROOTFS=$(realpath "$ROOTFS")
OUT=$(realpath -m "$OUT")

CG_PARENT=mycontainer-bench
RUNTIMES=(mycontainer runc crun bwrap unshare exec)
OCI=(mycontainer runc crun)

# Remove every cgroup under the bench parent, in every hierarchy mounted
# under /sys/fs/cgroup, killing what is left in them first.
clean_cgroups() {
	local d
	for d in /sys/fs/cgroup/"$CG_PARENT" /sys/fs/cgroup/*/"$CG_PARENT"; do
		[ -d "$d" ] || continue
		find "$d" -name cgroup.procs -exec cat {} + 2>/dev/null | xargs -r kill -9 2>/dev/null || true
		find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
		[ ! -d "$d" ] || echo "bench: could not remove cgroup $d" >&2
	done
}

###########################################################################
# Outer part: on the host. Checks, packages, the temp dir, then the inner
# part in a private mount namespace, then clean-up.
###########################################################################
if [ -z "${MYC_BENCH_TMP:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "bench: must run as root" >&2; exit 2; }
	[ -x "$MYC" ] || { echo "bench: no runtime at $MYC: run make build" >&2; exit 2; }
	[ -x "$ROOTFS/bin/busybox" ] || { echo "bench: no rootfs at $ROOTFS: run make rootfs" >&2; exit 2; }
	need=()
	command -v runc >/dev/null || need+=(runc)
	command -v crun >/dev/null || need+=(crun)
	command -v bwrap >/dev/null || need+=(bubblewrap)
	command -v jq >/dev/null || need+=(jq)
	command -v gcc >/dev/null || [ -n "${MYC_BENCH_SPAWN:-}" ] || need+=(gcc)
	command -v unshare >/dev/null || need+=(util-linux)
	if [ ${#need[@]} -gt 0 ]; then
		echo "bench: installing ${need[*]}" >&2
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
	fi
	MYC_BENCH_TMP=$(mktemp -d /tmp/mycontainer-bench.XXXXXX)
	export MYC_BENCH_TMP
	if [ $KEEP = 1 ]; then
		trap 'clean_cgroups; echo "bench: kept $MYC_BENCH_TMP" >&2' EXIT
	else
		trap 'clean_cgroups; rm -rf "$MYC_BENCH_TMP"' EXIT
	fi
	# The host's cgroup layout, as seen before the tmpfs hides unified.
	awk '$9 ~ /^cgroup2?$/ { print $9, $5, $NF }' /proc/self/mountinfo >"$MYC_BENCH_TMP/cgroup-layout"
	# In the background, so that a signal to this shell alone is passed on
	# at once (bash runs traps only between commands; SIGINT is ignored in
	# a background job, so TERM is what is passed on) and the inner part
	# cleans up its containers before this part removes the rest.
	unshare --mount --propagation private -- "$0" --rounds "$ROUNDS" --seq "$SEQ" --conc "$CONC" \
		--mem "$MEMR" --out "$OUT" --runtime "$MYC" --rootfs "$ROOTFS" &
	inner=$!
	stop() {
		trap '' INT TERM
		kill -TERM "$inner" 2>/dev/null || true
		wait "$inner" || true
		exit "$1"
	}
	trap 'stop 130' INT
	trap 'stop 143' TERM
	rc=0
	wait $inner || rc=$?
	exit $rc
fi

###########################################################################
# Inner part: in the private mount namespace.
###########################################################################
T=$MYC_BENCH_TMP
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
# crun 1.8 refuses a hybrid host: hide cgroup2 at /sys/fs/cgroup/unified,
# in this namespace only, so every runtime sees the same pure v1 layout.
# crun still makes a directory and a cgroup.procs file per container on
# the tmpfs (plain files there, which it cannot rmdir); they are wiped
# between phases, and the tmpfs is large enough for one phase.
# On a pure cgroup v2 host (the VM of bench/v2.sh) there is nothing to
# hide: every runtime uses cgroup v2.
HIDDEN=""
CGV2=0
[ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] || CGV2=1
if [ $CGV2 = 0 ] && [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
	mount -t tmpfs -o size=64m,mode=755 bench-hide-unified /sys/fs/cgroup/unified
	HIDDEN=/sys/fs/cgroup/unified
fi
wipe_hidden() {
	[ -z "$HIDDEN" ] || [ "$(stat -f -c %T "$HIDDEN")" != tmpfs ] || rm -rf "${HIDDEN:?}/$CG_PARENT"
}

# The parent exists before any container, as an engine's does (podman's
# libpod_parent, a kubelet pod's cgroup): mycontainer removes only the
# parents a container made, so without this each start would make it and
# remove it again in every hierarchy. The cpuset files are filled as a
# new v1 cpuset needs (the runtimes fill only the levels they make).
# On cgroup v2 the parent gets every controller the root offers in its
# subtree_control, as an engine's delegated parent has them.
if [ $CGV2 = 1 ]; then
	mkdir -p "/sys/fs/cgroup/$CG_PARENT"
	V2_CONTROLLERS=$(cat /sys/fs/cgroup/cgroup.controllers)
	for f in /sys/fs/cgroup "/sys/fs/cgroup/$CG_PARENT"; do
		echo "$V2_CONTROLLERS" | sed 's/^/+/; s/ / +/g' >"$f/cgroup.subtree_control" ||
			{ echo "bench: cannot enable $V2_CONTROLLERS in $f/cgroup.subtree_control" >&2; exit 1; }
	done
fi
for d in /sys/fs/cgroup/*/; do
	[ $CGV2 = 0 ] || break
	[ -e "${d}cgroup.procs" ] || continue
	mkdir -p "$d$CG_PARENT"
	for f in cpuset.cpus cpuset.mems; do
		[ ! -e "$d$f" ] || cat "$d$f" >"$d$CG_PARENT/$f"
	done
done

BG=() # background runtimes of the memory phase
inner_cleanup() {
	local p rt id
	for p in "${BG[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	for rt in "${OCI[@]}"; do
		[ -d "$T/state/$rt" ] || continue
		for id in $(rt_bin "$rt" --root "$T/state/$rt" list -q 2>/dev/null); do
			rt_bin "$rt" --root "$T/state/$rt" delete --force "$id" >/dev/null 2>&1 || true
		done
	done
	wipe_hidden # plain files on the tmpfs, not cgroups: rmdir cannot take them
	clean_cgroups
	# The bridge and table this run made: prune removes them with no
	# lease left (and only then).
	[ "${BRIDGE_BEFORE:-1}" = 1 ] || "$MYC" network prune >/dev/null 2>&1 || true
}
trap inner_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

rt_bin() {
	local rt=$1
	shift
	case "$rt" in
	mycontainer) "$MYC" "$@" ;;
	*) "$rt" "$@" ;;
	esac
}

# The state roots (--root) on a tmpfs, where /run is on a usual host and
# where engines point runtimes (/run/runc, /run/containerd/...). On this
# VM /run and /tmp are on a journal-less ext4, whose inode allocator
# skips every inode freed in the last ~30 s: with hundreds of containers
# made and deleted per phase, each file a runtime creates cost ~1 ms
# (measured with perf: find_inode_bit, recently_deleted), which measured
# the filesystem more than the runtimes. Same tmpfs for every runtime.
mkdir -p "$T/state"
mount -t tmpfs -o size=64m,mode=700 bench-state "$T/state"
mkdir -p "$T/state/mycontainer" "$T/state/runc" "$T/state/crun" "$T/data" "$T/log" "$T/b"
# MYC_BENCH_SPAWN: a launcher built beforehand (bench/v2.sh: the VM has no gcc).
if [ -n "${MYC_BENCH_SPAWN:-}" ]; then
	cp "$MYC_BENCH_SPAWN" "$T/spawn"
else
	gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$T/spawn" "$HERE/spawn.c"
fi

# The rootfs: testdata/rootfs's busybox and /etc, plus the mount points a
# read-only root needs to have already.
R=$T/rootfs
mkdir -p "$R"/proc "$R"/sys "$R"/dev "$R"/tmp "$R"/root
cp -a "$ROOTFS"/bin "$ROOTFS"/etc "$R"/
TRUE=$R/bin/true # the same static busybox everywhere, the plain exec too

# config.json templates from `mycontainer spec`; @ID@ is the container ID.
"$MYC" spec --bundle "$T"
# ociVersion 1.0.2: crun 1.8 refuses any version but 1.0.x ("unknown
# version specified"), and every runtime here accepts 1.0.2.
base=$(jq --arg root "$R" '
	.ociVersion = "1.0.2" |
	.process.terminal = false | .process.args = ["/bin/true"] |
	.root = {path: $root, readonly: true} |
	.linux.namespaces = [{type: "pid"}, {type: "mount"}, {type: "uts"}, {type: "ipc"}] |
	.linux.cgroupsPath = "/mycontainer-bench/@ID@"' "$T/config.json")
declare -A TMPL
TMPL[base]=$base
TMPL[net]=$(jq '.linux.namespaces += [{type: "network"}]' <<<"$base")
TMPL[limits]=$(jq '.linux.resources.memory = {limit: 67108864} |
	.linux.resources.pids = {limit: 64} |
	.linux.resources.cpu = {quota: 50000, period: 100000}' <<<"$base")
# docker's default seccomp profile, as podman sends it with every config.
# MYC_BENCH_PROFILE: the same, written beforehand (bench/v2.sh: the VM has no go).
if [ -n "${MYC_BENCH_PROFILE:-}" ]; then
	DOCKER_SECCOMP=$(cat "$MYC_BENCH_PROFILE")
else
	DOCKER_SECCOMP=$(cd "$(dirname "$0")/.." && go run ./bench/dockerprofile)
fi
TMPL[seccomp]=$(jq --argjson sc "$DOCKER_SECCOMP" '.linux.seccomp = $sc' <<<"$base")
TMPL[sleep]=$(jq '.process.args = ["/bin/sleep", "2"]' <<<"$base")
TMPL[sleep50]=$(jq '.process.args = ["/bin/sleep", "30"]' <<<"$base")

# bundle VARIANT ID: a bundle whose cgroup is named after its container.
bundle() {
	mkdir -p "$T/b/$2"
	printf '%s\n' "${TMPL[$1]//@ID@/$2}" >"$T/b/$2/config.json"
}

# The friendly run's network forms (mycontainer only): no bundle, the
# same rootfs, --net none against --net bridge with and without one -p.
# They need mycontainer-net beside the binary; without it they are left
# out.
NETFORMS=()
[ ! -x "$(dirname "$MYC")/mycontainer-net" ] || NETFORMS=(fnone fbridge fbridgep)
is_netform() { case "$1" in fnone | fbridge | fbridgep) return 0 ;; esac; return 1; }

# cmd VARIANT RUNTIME ID: the command line that starts one container.
cmd() {
	local v=$1 rt=$2 id=$3 net=() bnet=()
	[ "$v" != net ] || { net=(--net); bnet=(--unshare-net); }
	if is_netform "$v"; then
		CMD=("$MYC" run --cgroup-parent "$CG_PARENT" --rootfs "$R")
		case "$v" in
		fnone) CMD+=(--net none) ;;
		fbridge) CMD+=(--net bridge) ;;
		fbridgep) CMD+=(--net bridge -p 18099:80) ;;
		esac
		CMD+=(/bin/true)
		return
	fi
	case "$rt" in
	mycontainer | runc | crun)
		CMD=("$rt" --root "$T/state/$rt" run --bundle "$T/b/$id" "$id")
		[ "$rt" != mycontainer ] || CMD[0]=$MYC
		;;
	bwrap)
		CMD=(bwrap --unshare-pid --unshare-uts --unshare-ipc "${bnet[@]}" --die-with-parent
			--ro-bind "$R" / --proc /proc --dev /dev --mqueue /dev/mqueue --ro-bind /sys /sys
			--hostname mycontainer)
		case "$v" in
		sleep) CMD+=(/bin/sleep 2) ;;
		sleep50) CMD+=(/bin/sleep 30) ;;
		*) CMD+=(/bin/true) ;;
		esac
		;;
	unshare) CMD=(unshare --pid --fork --mount --uts --ipc "${net[@]}" "$TRUE") ;;
	exec) CMD=("$TRUE") ;;
	# The friendly form (docker's defaults), the same files three ways.
	rootfs) CMD=("$MYC" run --no-tty --cgroup-parent "$CG_PARENT" --rootfs "$R" /bin/true) ;;
	# Without docker's seccomp profile: what the default profile costs.
	unconfined) CMD=("$MYC" run --no-tty --cgroup-parent "$CG_PARENT" --security-opt seccomp=unconfined --rootfs "$R" /bin/true) ;;
	image) CMD=("$MYC" run --no-tty --cgroup-parent "$CG_PARENT" --storage "$T/store-tmpfs" --image bench:1 /bin/true) ;;
	image-disk) CMD=("$MYC" run --no-tty --cgroup-parent "$CG_PARENT" --storage "$T/store-disk" --image bench:1 /bin/true) ;;
	esac
}

runtimes_for() {
	case "$1" in
	base) echo "${RUNTIMES[@]}" ;;
	net) echo mycontainer runc crun bwrap unshare ;;
	limits | seccomp) echo "${OCI[@]}" ;;
	fnone | fbridge | fbridgep) echo mycontainer ;;
	friendly) echo "${FRIENDLY[@]}" ;;
	esac
}

# run --image beside run --rootfs of the same files: R as a one-layer OCI
# image (bench/oci-layout.sh), imported into a store on a tmpfs and into
# one on the disk under the temp dir (where /var/lib/mycontainer is).
FRIENDLY=(rootfs unconfined)
IMAGE_NOTE=""
if [ -x "$MYC-image" ]; then
	bash "$HERE/oci-layout.sh" "$R" "$T/layout" bench
	mkdir -p "$T/store-tmpfs"
	mount -t tmpfs -o size=64m,mode=700 bench-store "$T/store-tmpfs"
	for st in "$T/store-tmpfs" "$T/store-disk"; do
		"$MYC" import --storage "$st" --tag bench:1 -q "$T/layout" >/dev/null
	done
	FRIENDLY=(rootfs unconfined image image-disk)
else
	IMAGE_NOTE="No run --image rows: there is no $MYC-image to import the image with (make build makes it)."
fi

echo "bench: warming up" >&2
for rt in "${RUNTIMES[@]}"; do
	for i in 1 2; do
		id=warm-$rt-$i
		bundle base "$id"
		cmd base "$rt" "$id"
		"$T/spawn" -- "${CMD[@]}" >/dev/null 2>>"$T/log/warmup.err" || true
	done
done

# The bridge, if this run makes it (the first --net bridge start does),
# is pruned at the end; one the machine had already is left alone.
BRIDGE_BEFORE=0
[ ! -e /sys/class/net/myc0 ] || BRIDGE_BEFORE=1
for v in "${NETFORMS[@]}"; do
	cmd "$v" mycontainer warm
	"$T/spawn" -- "${CMD[@]}" >/dev/null 2>>"$T/log/warmup.err" || true
done
for rt in "${FRIENDLY[@]}"; do
	cmd friendly "$rt" warm
	"$T/spawn" -- "${CMD[@]}" >/dev/null 2>>"$T/log/warmup.err" || true
done

wipe_hidden

# 1. One container: one interleaved loop over every variant and runtime.
echo "bench: one container, $ROUNDS rounds" >&2
for ((r = 0; r < ROUNDS; r++)); do
	for v in base net limits seccomp friendly; do
		for rt in $(runtimes_for $v); do
			id=$v-$rt-$r
			[ "$v" = friendly ] || [ "$rt" = bwrap ] || [ "$rt" = unshare ] || [ "$rt" = exec ] || bundle "$v" "$id"
			cmd "$v" "$rt" "$id"
			"$T/spawn" -- "${CMD[@]}" >>"$T/data/$v.$rt" 2>>"$T/log/$v.$rt.err"
		done
	done
done

# 1b. What docker's default seccomp profile costs the friendly run (issue
# 9's figure), what run --image adds to it (issue 12's) and what --net
# bridge (and one -p) adds over --net none (issue 13's), as PAIRS:
# back-to-back rounds of every form, the order rotated every round. Two
# medians of the loop above differ by about a millisecond from run to
# run on a busy VM; the median of paired differences (each form against
# its baseline in the same round), with its 95% interval, is much
# tighter. A line per run: round, CPU us, status, wall us.
PAIRS=$((ROUNDS * 4))
PAIR_ARMS=(rootfs unconfined)
[ ${#FRIENDLY[@]} -gt 2 ] && PAIR_ARMS+=(image image-disk)
PAIR_ARMS+=("${NETFORMS[@]}")
echo "bench: seccomp, image and network costs, $PAIRS rounds of ${PAIR_ARMS[*]}" >&2
for ((r = 0; r < PAIRS; r++)); do
	n=${#PAIR_ARMS[@]}
	for ((k = 0; k < n; k++)); do
		rt=${PAIR_ARMS[(r + k) % n]}
		if is_netform "$rt"; then cmd "$rt" mycontainer "pair-$r"; else cmd friendly "$rt" "pair-$r"; fi
		"$T/spawn" -- "${CMD[@]}" 2>>"$T/log/pairs.$rt.err" | awk -v r="$r" '$1 == "run" { print r, $4, $8, $3 }' >>"$T/data/pairs.$rt"
	done
done

# 2. Many containers: SEQ one after another, CONC at once, runtime by
# runtime in the same order (their bundles are written beforehand).
echo "bench: $SEQ sequential, $CONC concurrent" >&2
for mode in seq conc; do
	n=$SEQ flag=()
	[ $mode = seq ] || { n=$CONC; flag=(-P); }
	for rt in "${RUNTIMES[@]}"; do
		if [ "$rt" != bwrap ] && [ "$rt" != unshare ] && [ "$rt" != exec ]; then
			for ((i = 0; i < n; i++)); do bundle base "$mode-$rt-$i"; done
		fi
		cmd base "$rt" "$mode-$rt-{}"
		wipe_hidden
		"$T/spawn" -n "$n" "${flag[@]}" -- "${CMD[@]}" 2>>"$T/log/$mode.$rt.err" |
			grep '^total' >"$T/data/$mode.$rt" || true
	done
done

# 3. Memory of the parent that stays while the container lives: the `run`
# process (or bwrap's monitor) of a `sleep 2` container, read after 0.5 s;
# then the same with MEM_MANY containers alive at once, where the pages the
# monitors share (the binary's text) are split between them in PSS.
# RSS, PSS and USS (private: Private_Clean + Private_Dirty) come from
# /proc/PID/smaps_rollup, in kB.
memof() {
	awk '/^Rss:/ { r = $2 } /^Pss:/ { p = $2 } /^Private_(Clean|Dirty):/ { u += $2 }
		END { if (r != "") print r, p, u }' "/proc/$1/smaps_rollup" 2>/dev/null || true
}
echo "bench: monitor memory, $MEMR rounds" >&2
MEMRT=(mycontainer runc crun bwrap)
MEM_MANY=$CONC
wipe_hidden
for ((r = 0; r < MEMR; r++)); do
	for rt in "${MEMRT[@]}"; do
		id=mem-$rt-$r
		[ "$rt" = bwrap ] || bundle sleep "$id"
		cmd sleep "$rt" "$id"
		"${CMD[@]}" </dev/null >/dev/null 2>>"$T/log/mem.$rt.err" &
		pid=$!
		BG+=("$pid")
		sleep 0.5
		m=$(memof "$pid")
		# Only a live container counts: its runtime must still be waiting.
		if [ -n "$m" ] && kill -0 "$pid" 2>/dev/null; then
			echo "$m" >>"$T/data/mem.$rt"
		else
			echo "fail" >>"$T/data/mem.$rt"
		fi
		case "$rt" in
		bwrap) kill -9 "$pid" 2>/dev/null || true ;;
		*) rt_bin "$rt" --root "$T/state/$rt" kill "$id" KILL >/dev/null 2>&1 || kill -9 "$pid" 2>/dev/null || true ;;
		esac
		wait "$pid" 2>/dev/null || true
		BG=()
	done
done
echo "bench: monitor memory, $MEM_MANY containers alive" >&2
for rt in "${MEMRT[@]}"; do
	wipe_hidden
	pids=()
	for ((i = 0; i < MEM_MANY; i++)); do
		id=many-$rt-$i
		[ "$rt" = bwrap ] || bundle sleep50 "$id"
		cmd sleep50 "$rt" "$id"
		"${CMD[@]}" </dev/null >/dev/null 2>>"$T/log/mem$MEM_MANY.$rt.err" &
		pids+=($!)
		BG+=($!)
	done
	# All started (a loaded 2-core machine starts 50 in a few seconds);
	# each container sleeps 30 s, so all are still alive when read.
	for ((w = 0; w < 100; w++)); do
		up=0
		for ((i = 0; i < MEM_MANY; i++)); do
			[ "$rt" = bwrap ] && up=$((up + 1)) && continue
			[ -e "$T/state/$rt/many-$rt-$i" ] && up=$((up + 1))
		done
		[ $up -lt "$MEM_MANY" ] || break
		sleep 0.2
	done
	sleep 1
	for p in "${pids[@]}"; do
		m=$(memof "$p")
		if [ -n "$m" ] && kill -0 "$p" 2>/dev/null; then echo "$m"; else echo fail; fi
	done >"$T/data/mem$MEM_MANY.$rt"
	for ((i = 0; i < MEM_MANY; i++)); do
		case "$rt" in
		bwrap) kill -9 "${pids[$i]}" 2>/dev/null || true ;;
		*) rt_bin "$rt" --root "$T/state/$rt" kill "many-$rt-$i" KILL >/dev/null 2>&1 || kill -9 "${pids[$i]}" 2>/dev/null || true ;;
		esac
	done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
	BG=()
done

# 4. mycontainer's own start-up timeline, for one friendly run and for
# one run --bundle of the base bundle (what the tables measure).
for i in 1 2 3; do
	"$MYC" --debug run --cgroup-parent "$CG_PARENT" --rootfs "$R" /bin/true >/dev/null 2>"$T/timeline" || true
	bundle base "timeline-$i"
	"$MYC" --root "$T/state/mycontainer" --debug run --bundle "$T/b/timeline-$i" "timeline-$i" >/dev/null 2>"$T/timeline-oci.raw" || true
	sed 's/^mycontainer: debug: //' "$T/timeline-oci.raw" >"$T/timeline-oci"
done

###########################################################################
# Report
###########################################################################
# stats FILE COLUMN: "median p10 p90 n failures" of a column of run lines
# (3 wall, 4 cpu, 7 maxrss), over successful runs, nearest-rank percentiles.
stats() {
	awk -v c="$2" '$1 == "run" { if ($8 != 0) { f++; next } print $c }
		END { print "F", f + 0 }' "$1" 2>/dev/null | sort -n | awk '
		/^F/ { f = $2; next }
		{ v[++n] = $1 }
		END {
			if (n == 0) { print "nan nan nan 0", f + 0; exit }
			med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			p10 = v[int(0.1 * n + 0.999999) > 0 ? int(0.1 * n + 0.999999) : 1]
			p90 = v[int(0.9 * n + 0.999999)]
			print med, p10, p90, n, f + 0
		}'
}
ms() { awk -v x="$1" 'BEGIN { if (x == "nan") print "–"; else printf "%.2f", x / 1000 }'; }
# pairdiff A B [wall]: "N MEDIAN LO HI FAILED" of the paired CPU (or
# wall) differences (A's run minus B's in the same round, us), LO..HI the
# order statistics that bound the median with 95% confidence
# (n/2 ± 0.98 √n).
pairdiff() {
	join <(sort -k1,1 "$T/data/pairs.$1" 2>/dev/null) <(sort -k1,1 "$T/data/pairs.$2" 2>/dev/null) |
		awk -v wall="${3:-}" '{ if ($3 != 0 || $6 != 0) { f++; next } print wall ? $4 - $7 : $2 - $5 } END { print "F", f + 0 }' | sort -n | awk '
		/^F/ { f = $2; next }
		{ v[++n] = $1 }
		END {
			if (n == 0) { print 0, 0, 0, 0, f + 0; exit }
			med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			k = int(n / 2 - 0.98 * sqrt(n)); if (k < 1) k = 1
			print n, med, v[k], v[n + 1 - k], f + 0
		}'
}
mb() { awk -v x="$1" 'BEGIN { if (x == "nan" || x == "") print "–"; else printf "%.1f", x / 1024 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "nan" || b == "nan" || b == 0 || a == "") print "–"; else printf "%.2f×", a / b }'; }
med() { sort -n | awk '{ v[++n] = $1 } END { if (!n) print "nan"; else print (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2 }'; }

TOTAL_FAIL=0
TOTAL_RUNS=0
declare -A W C
report() {
	local v rt s w c med_w med_c
	echo "## One container: \`run --bundle\` of /bin/true, $ROUNDS rounds"
	echo
	echo "Median, with p10–p90 in brackets, in ms. CPU is user+sys of the whole"
	echo "process tree. Ratios are to mycontainer in the same variant."
	for v in base net limits seccomp; do
		echo
		case $v in
		base) echo "### PID, mount, UTS, IPC namespaces" ;;
		net) echo "### Plus a network namespace" ;;
		limits) echo "### Plus limits: memory 64 MiB, pids 64, CPU 0.5" ;;
		seccomp) echo "### Plus docker's default seccomp profile (as podman sends it)" ;;
		esac
		echo
		echo "| runtime | wall | × | CPU | × | peak RSS MB | failures |"
		echo "|---|---|---|---|---|---|---|"
		for rt in $(runtimes_for $v); do
			read -r w p10w p90w n f <<<"$(stats "$T/data/$v.$rt" 3)"
			read -r c p10c p90c _ _ <<<"$(stats "$T/data/$v.$rt" 4)"
			read -r rss _ _ _ _ <<<"$(stats "$T/data/$v.$rt" 7)"
			W[$v.$rt]=$w C[$v.$rt]=$c
			[ "$v" != base ] || RSS_PEAK[$rt]=$rss
			TOTAL_FAIL=$((TOTAL_FAIL + f))
			TOTAL_RUNS=$((TOTAL_RUNS + n + f))
			echo "| $rt | $(ms "$w") [$(ms "$p10w")–$(ms "$p90w")] | $(ratio "$w" "${W[$v.mycontainer]}") |" \
				"$(ms "$c") [$(ms "$p10c")–$(ms "$p90c")] | $(ratio "$c" "${C[$v.mycontainer]}") |" \
				"$(mb "$rss") | $f |"
		done
	done
	netreport
	echo
	echo "## \`run --image\` beside \`run --rootfs\` of the same files, $ROUNDS rounds"
	echo
	echo "The friendly form (docker's defaults: seccomp, capabilities, masked paths),"
	echo "/bin/true, in the same interleaved loop. rootfs: \`run --rootfs R\`. unconfined:"
	echo "the same with \`--security-opt seccomp=unconfined\` (the default profile's cost). image: R's"
	echo "files as a one-layer image, \`run --image\`, its overlayfs upper directory"
	echo "made and removed per start in a store on a tmpfs; image-disk: the same"
	echo "store on the disk under the temp dir (this VM's: ext4 without a journal,"
	echo "mounted with discard, where freeing a directory's block costs)."
	if [ -n "$IMAGE_NOTE" ]; then
		echo
		echo "$IMAGE_NOTE"
	fi
	echo
	echo "| form | wall | CPU | CPU over rootfs | failures |"
	echo "|---|---|---|---|---|"
	for rt in "${FRIENDLY[@]}"; do
		read -r w p10w p90w n f <<<"$(stats "$T/data/friendly.$rt" 3)"
		read -r c p10c p90c _ _ <<<"$(stats "$T/data/friendly.$rt" 4)"
		W[friendly.$rt]=$w C[friendly.$rt]=$c
		TOTAL_FAIL=$((TOTAL_FAIL + f))
		TOTAL_RUNS=$((TOTAL_RUNS + n + f))
		echo "| $rt | $(ms "$w") [$(ms "$p10w")–$(ms "$p90w")] | $(ms "$c") [$(ms "$p10c")–$(ms "$p90c")] |" \
			"$(awk -v a="$c" -v b="${C[friendly.rootfs]}" 'BEGIN { if (a == "nan" || b == "nan") print "–"; else printf "%+.2f ms", (a - b) / 1000 }') | $f |"
	done
	echo
	echo "## Many containers (PID, mount, UTS, IPC)"
	echo
	echo "| runtime | $SEQ in a row: total s | per container ms | × | CPU s | failures | $CONC at once: total s | × | CPU s | failures |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	local sw sc sf cw cc cf sw0 cw0
	for rt in "${RUNTIMES[@]}"; do
		read -r _ _ sw sc sf _ <<<"$(cat "$T/data/seq.$rt" 2>/dev/null || echo "total $SEQ nan nan $SEQ 0")"
		read -r _ _ cw cc cf _ <<<"$(cat "$T/data/conc.$rt" 2>/dev/null || echo "total $CONC nan nan $CONC 0")"
		[ "$rt" != mycontainer ] || { sw0=$sw; cw0=$cw; }
		W[seq.$rt]=$sw W[conc.$rt]=$cw C[conc.$rt]=$cc
		TOTAL_FAIL=$((TOTAL_FAIL + sf + cf))
		TOTAL_RUNS=$((TOTAL_RUNS + SEQ + CONC))
		echo "| $rt | $(awk -v x="$sw" 'BEGIN { printf "%.3f", x / 1e6 }') |" \
			"$(awk -v x="$sw" -v n="$SEQ" 'BEGIN { printf "%.2f", x / n / 1000 }') | $(ratio "$sw" "$sw0") |" \
			"$(awk -v x="$sc" 'BEGIN { printf "%.3f", x / 1e6 }') | $sf |" \
			"$(awk -v x="$cw" 'BEGIN { printf "%.3f", x / 1e6 }') | $(ratio "$cw" "$cw0") |" \
			"$(awk -v x="$cc" 'BEGIN { printf "%.3f", x / 1e6 }') | $cf |"
	done
	echo
	echo "## Memory"
	echo
	echo "Peak RSS: ru_maxrss from wait4 for the one-container runs, the largest"
	echo "process of the tree (the runtime, its init stage or the command), median."
	echo
	echo "Monitor: the \`run\` process that stays while a \`sleep\` container lives"
	echo "(bwrap: its monitor), from /proc/PID/smaps_rollup, in MB. One alive: median"
	echo "of $MEMR, read 0.5 s after start. $MEM_MANY alive at once: median over the"
	echo "$MEM_MANY monitors. USS is private memory (Private_Clean + Private_Dirty): what"
	echo "one more container costs. PSS splits shared pages between their users."
	echo "With one alive, the pages of a binary that only that monitor maps count"
	echo "as private, so USS is close to RSS; the $MEM_MANY-alive columns show what is"
	echo "really private to each."
	echo
	echo "| runtime | 1 alive: RSS | PSS | USS | × USS | $MEM_MANY alive: RSS | PSS | USS | peak RSS MB | failures |"
	echo "|---|---|---|---|---|---|---|---|---|---|"
	local f col r1 p1 u1 rn pn un
	for rt in "${MEMRT[@]}" unshare exec; do
		r1=nan p1=nan u1=nan rn=nan pn=nan un=nan f=0
		if [ -f "$T/data/mem.$rt" ]; then
			r1=$({ grep -v fail "$T/data/mem.$rt" || true; } | awk '{ print $1 }' | med)
			p1=$({ grep -v fail "$T/data/mem.$rt" || true; } | awk '{ print $2 }' | med)
			u1=$({ grep -v fail "$T/data/mem.$rt" || true; } | awk '{ print $3 }' | med)
			f=$(grep -c fail "$T/data/mem.$rt" || true)
		fi
		if [ -f "$T/data/mem$MEM_MANY.$rt" ]; then
			rn=$({ grep -v fail "$T/data/mem$MEM_MANY.$rt" || true; } | awk '{ print $1 }' | med)
			pn=$({ grep -v fail "$T/data/mem$MEM_MANY.$rt" || true; } | awk '{ print $2 }' | med)
			un=$({ grep -v fail "$T/data/mem$MEM_MANY.$rt" || true; } | awk '{ print $3 }' | med)
			f=$((f + $(grep -c fail "$T/data/mem$MEM_MANY.$rt" || true)))
		fi
		[ "$rt" != mycontainer ] || m0=$u1
		MEM[$rt]=$r1 USS[$rt]=$u1 USSN[$rt]=$un
		TOTAL_FAIL=$((TOTAL_FAIL + f))
		echo "| $rt | $(mb "$r1") | $(mb "$p1") | $(mb "$u1") | $(ratio "$u1" "$m0") | $(mb "$rn") | $(mb "$pn") | $(mb "$un") |" \
			"$(mb "${RSS_PEAK[$rt]}") | $f |"
	done
	echo
	echo "## Targets (issue 14; the seccomp cost from issue 9; run --image from issue 12; the network from issue 13)"
	echo
	echo "| target | measured | verdict |"
	echo "|---|---|---|"
	target "CPU ≤ 1.0 × crun's" "${C[base.mycontainer]}" "${C[base.crun]}" 1
	target "wall ≤ 0.8 × crun's" "${W[base.mycontainer]}" "${W[base.crun]}" 0.8
	target "$CONC at once: total ≤ crun's" "${W[conc.mycontainer]}" "${W[conc.crun]}" 1
	target "$CONC at once: CPU ≤ crun's" "${C[conc.mycontainer]}" "${C[conc.crun]}" 1
	target "seccomp: CPU ≤ 1.0 × crun's" "${C[seccomp.mycontainer]}" "${C[seccomp.crun]}" 1
	target "seccomp: wall ≤ 0.8 × crun's" "${W[seccomp.mycontainer]}" "${W[seccomp.crun]}" 0.8
	awk -v u1="${USS[mycontainer]}" -v un="${USSN[mycontainer]}" -v n="$MEM_MANY" 'BEGIN {
		if (u1 == "nan" || u1 == "") { print "| monitor USS ≤ 1.5 MB | – | not measured |"; exit }
		m = (un != "nan" && un != "" && un > u1) ? un : u1
		printf "| monitor USS ≤ 1.5 MB | %.2f MB (1 alive), %s (%d alive) | %s |\n", u1 / 1024,
			(un == "nan" || un == "") ? "–" : sprintf("%.2f MB", un / 1024), n, (m <= 1.5 * 1024) ? "met" : "MISSED"
	}'
	# Issue 9: docker's default profile in the friendly run, against the
	# same run with seccomp=unconfined, from the paired loop. The bundle
	# variant (the profile in config.json, as podman sends it) is shown
	# beside it, with crun's own cost of the same profile for scale.
	for rt in "${PAIR_ARMS[@]}"; do
		TOTAL_RUNS=$((TOTAL_RUNS + $(wc -l <"$T/data/pairs.$rt")))
		TOTAL_FAIL=$((TOTAL_FAIL + $(awk '$3 != 0 { f++ } END { print f + 0 }' "$T/data/pairs.$rt")))
	done
	pairdiff rootfs unconfined | awk '{ n = $1; d = $2; lo = $3; hi = $4; f = $5 }
		END {
			if (n == 0) { print "| default seccomp profile costs ≤ 1 ms CPU per start (run) | – | not measured |"; exit }
			printf "| default seccomp profile costs ≤ 1 ms CPU per start (run) | %+.2f ms (median of %d paired differences with seccomp=unconfined; 95%%: %+.2f to %+.2f; %d failed) | %s |\n",
				d / 1000, n, lo / 1000, hi / 1000, f, (d <= 1000 && f == 0) ? "met" : "MISSED"
		}'
	awk -v a="${C[seccomp.mycontainer]}" -v b="${C[base.mycontainer]}" -v ca="${C[seccomp.crun]}" -v cb="${C[base.crun]}" 'BEGIN {
		if (a == "nan" || b == "nan") { print "| docker'"'"'s profile in config.json (run --bundle) | – | not measured |"; exit }
		c = (ca == "nan" || cb == "nan") ? "–" : sprintf("%+.2f ms", (ca - cb) / 1000)
		printf "| docker'"'"'s profile in config.json (run --bundle), for scale: crun %s | %+.2f ms (median with it − median without) | – |\n", c, (a - b) / 1000
	}'
	for rt in image image-disk; do
		if [ ! -s "$T/data/pairs.$rt" ]; then
			printf "| run --image (%s) adds ≤ 1 ms CPU over run --rootfs | – | not measured |\n" "$rt"
			continue
		fi
		pairdiff "$rt" rootfs | awk -v rt="$rt" '{ n = $1; d = $2; lo = $3; hi = $4; f = $5 }
			END {
				printf "| run --image (%s) adds ≤ 1 ms CPU over run --rootfs | %+.2f ms (median of %d paired differences; 95%%: %+.2f to %+.2f; %d failed) | %s |\n",
					rt, d / 1000, n, lo / 1000, hi / 1000, f, (d <= 1000 && f == 0) ? "met" : "MISSED"
			}'
	done
	# Issue 13: what the bridge adds to the friendly run over --net none,
	# from the paired rounds; wall beside it, for what a user feels.
	for v in fbridge fbridgep; do
		local what="--net bridge"
		[ "$v" = fbridge ] || what="--net bridge -p 18099:80"
		if [ ! -s "$T/data/pairs.$v" ]; then
			printf "| %s adds ≤ 3 ms CPU over --net none | – | not measured |\n" "$what"
			continue
		fi
		{ pairdiff "$v" fnone; pairdiff "$v" fnone wall; } | awk -v what="$what" 'NR == 1 { n = $1; d = $2; lo = $3; hi = $4; f = $5 } NR == 2 { w = $2 }
			END {
				printf "| %s adds ≤ 3 ms CPU over --net none | %+.2f ms (median of %d paired differences; 95%%: %+.2f to %+.2f; %d failed; wall %+.2f ms) | %s |\n",
					what, d / 1000, n, lo / 1000, hi / 1000, f, w / 1000, (d <= 3000 && f == 0) ? "met" : "MISSED"
			}'
	done
	echo
	echo "Failures: $TOTAL_FAIL of $TOTAL_RUNS container starts."
}
declare -A RSS_PEAK MEM USS USSN

# netreport: the friendly run's network forms, from the paired rounds:
# what --net bridge (and one -p) adds to a start over --net none of the
# same round, teardown included.
netreport() {
	[ ${#NETFORMS[@]} -gt 0 ] || return 0
	local v
	echo
	echo "### Friendly \`run --rootfs R /bin/true\`: the network's cost, $PAIRS paired rounds"
	echo
	echo "mycontainer only, in the paired rounds (after the loop, the order rotated"
	echo "every round). CPU includes the lease, the wiring and the teardown"
	echo "(mycontainer-net's too, when a run needs it). \"over none\": the median of"
	echo "the paired differences with \`--net none\` of the same round, and its 95%"
	echo "interval (issue 13's target: at most 3 ms CPU)."
	echo
	echo "| form | wall | CPU | CPU over none | wall over none | failures |"
	echo "|---|---|---|---|---|---|"
	for v in "${NETFORMS[@]}"; do
		case $v in
		fnone) echo -n "| \`--net none\`" ;;
		fbridge) echo -n "| \`--net bridge\`" ;;
		fbridgep) echo -n "| \`--net bridge -p 18099:80\`" ;;
		esac
		echo -n " | $(pairmed "$v" 4) | $(pairmed "$v" 2) |"
		if [ "$v" = fnone ]; then
			echo -n " | |"
		else
			echo -n " $(pairdiff "$v" fnone | awk '{ printf "%+.2f ms (%+.2f to %+.2f)", $2 / 1000, $3 / 1000, $4 / 1000 }') |"
			echo -n " $(pairdiff "$v" fnone wall | awk '{ printf "%+.2f ms (%+.2f to %+.2f)", $2 / 1000, $3 / 1000, $4 / 1000 }') |"
		fi
		echo " $(awk '$3 != 0 { f++ } END { print f + 0 }' "$T/data/pairs.$v") |"
	done
}

# pairmed ARM COLUMN: "median [p10–p90]" in ms of a column of an arm's
# paired runs (2 CPU, 4 wall), over successful runs.
pairmed() {
	awk -v c="$2" '$3 == 0 { print $c }' "$T/data/pairs.$1" | sort -n | awk '{ v[++n] = $1 }
		END {
			if (n == 0) { print "–"; exit }
			med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			p10 = v[int(0.1 * n + 0.999999) > 0 ? int(0.1 * n + 0.999999) : 1]
			printf "%.2f [%.2f–%.2f]", med / 1000, p10 / 1000, v[int(0.9 * n + 0.999999)] / 1000
		}'
}

target() {
	awk -v what="$1" -v a="$2" -v b="$3" -v k="$4" 'BEGIN {
		if (a == "nan" || b == "nan" || b == 0) { printf "| %s | – | not measured |\n", what; exit }
		printf "| %s | %.2f × crun | %s |\n", what, a / b, (a <= k * b) ? "met" : "MISSED"
	}'
}

facts() {
	echo "## Machine"
	echo
	echo "- kernel: $(uname -r)"
	echo "- load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
	if [ $CGV2 = 1 ]; then
		echo "- cgroups: pure cgroup v2 at /sys/fs/cgroup; $CG_PARENT has $V2_CONTROLLERS in its subtree_control."
		echo "  Nothing hidden: every runtime uses cgroup v2 natively; mycontainer starts its stage-1 in the cgroup (CLONE_INTO_CGROUP)."
	else
		echo "- cgroups on the host: $(awk '$1 == "cgroup" { sub(/^rw,/, "", $3); v1 = v1 (v1 ? "," : "") $3 } $1 == "cgroup2" { v2 = $2 }
			END { printf "v1 hierarchies (%s)", v1; if (v2) printf ", cgroup2 at %s (hybrid)", v2 }' "$T/cgroup-layout")."
		[ -z "$HIDDEN" ] || echo "  The benchmark hides cgroup2 under a tmpfs in its own mount namespace, so"
		[ -z "$HIDDEN" ] || echo "  every runtime runs on the same pure v1 layout (crun 1.8 refuses hybrid)."
	fi
	# MYC_BENCH_MYC_FACT: this line, written on the host (bench/v2.sh: the
	# VM has neither file nor the git tree).
	if [ -n "${MYC_BENCH_MYC_FACT:-}" ]; then
		echo "- mycontainer: $MYC_BENCH_MYC_FACT"
	else
		echo "- mycontainer: $("$MYC" --version 2>&1 | head -1) ($(file -b "$MYC" | grep -o 'statically linked\|dynamically linked')), source at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$REPO" diff --quiet HEAD -- . ':!bench' ':!tests' 2>/dev/null || echo ' with local changes')"
	fi
	echo "- runc: $(runc --version | head -1)"
	echo "- crun: $(crun --version | head -1)"
	echo "- bubblewrap: $(bwrap --version | head -1)"
	echo "- unshare: $(unshare --version | head -1)"
	echo "- busybox (the command): $("$R/bin/busybox" 2>&1 | head -1 | cut -d' ' -f1-2)"
}

oddities() {
	local f shown=0
	for f in "$T"/log/*.err; do
		[ -s "$f" ] || continue
		[ $shown = 1 ] || { echo; echo "## Errors seen (first lines of each log)"; echo; echo '```'; shown=1; }
		echo "== $(basename "$f" .err)"
		head -3 "$f"
	done
	[ $shown = 0 ] || echo '```'
}

{
	echo "# Benchmark results"
	echo
	echo "Written by \`bench/run.sh --rounds $ROUNDS --seq $SEQ --conc $CONC --mem $MEMR\` on $(date -u +%Y-%m-%d)."
	echo "One interleaved run (A B C A B C ...). Every OCI runtime runs the same bundle"
	echo "(busybox, /bin/true, read-only root, \`mycontainer spec\`'s mounts, no tty,"
	echo "cgroup under /mycontainer-bench/ID, state root --root on a tmpfs as /run is"
	echo "elsewhere). bwrap and unshare use the same namespaces; exec is a plain"
	echo "posix_spawn of the same static busybox true."
	echo
	report
	echo
	facts
	echo
	echo "## mycontainer's start-up timeline"
	echo
	echo "\`mycontainer --debug run --rootfs ROOTFS /bin/true\`, the third of three runs:"
	echo
	echo '```'
	cat "$T/timeline"
	echo '```'
	echo
	echo "\`mycontainer --debug run --bundle B ID\` of the base bundle, the third of three runs"
	echo "(the same lines go to the log as debug lines):"
	echo
	echo '```'
	cat "$T/timeline-oci"
	echo '```'
	oddities
} >"$T/results.md"
mkdir -p "$(dirname "$OUT")"
cp "$T/results.md" "$OUT"
cat "$T/results.md"
echo "bench: wrote $OUT" >&2
