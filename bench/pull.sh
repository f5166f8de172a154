#!/usr/bin/env bash
# Pull and unpack of a ~100 MB image from a registry on loopback:
# `mycontainer pull` beside `skopeo copy` plus `umoci unpack` (Debian's),
# in interleaved rounds of one run (issue 12). See bench/README.md.
#
#   bench/pull.sh [--rounds N] [--mb N] [--out FILE] [--runtime PATH]
#                 [--baseline PATH] [--rootfs DIR] [--disk] [--keep]
#
# Run it as root (the store holds files of every owner), under the root
# suite lock, so that no other benchmark shares the cores:
#   flock /tmp/mycontainer-root-suite.lock bench/pull.sh
#
# Everything it makes (the registry's storage, the image, the stores, the
# bundles, the launcher, logs) lives in one temp dir, removed on every exit
# path with the registry, which is stopped by its PID. The work area is a
# tmpfs mounted in a mount namespace of the script's own, which ends with it.
set -euo pipefail

usage() {
	echo "usage: $0 [--rounds N] [--mb N] [--out FILE] [--runtime PATH] [--baseline PATH] [--rootfs DIR] [--disk] [--keep]" >&2
	exit 2
}

ARGS=("$@")
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
ROUNDS=5  # interleaved rounds, each one pull of every side
MB=100    # the image's size unpacked, in MiB
DISK=0    # work on the temp dir's filesystem instead of a tmpfs
KEEP=0    # keep the temp dir (logs, raw data) for debugging
OUT=$HERE/RESULTS-pull.md
MYC=$REPO/mycontainer
BASE=""   # another mycontainer build, measured in the same rounds
ROOTFS=$REPO/testdata/rootfs
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds | --mb | --out | --runtime | --baseline | --rootfs)
		[ $# -ge 2 ] || usage
		case "$1" in
		--rounds) ROUNDS=$2 ;; --mb) MB=$2 ;; --out) OUT=$2 ;;
		--runtime) MYC=$2 ;; --baseline) BASE=$2 ;; --rootfs) ROOTFS=$2 ;;
		esac
		shift 2
		;;
	--disk) DISK=1; shift ;;
	--keep) KEEP=1; shift ;;
	*) usage ;;
	esac
done
for n in "$ROUNDS" "$MB"; do
	case "$n" in '' | *[!0-9]* | 0*) echo "pull.sh: --rounds and --mb take positive integers" >&2; exit 2 ;; esac
done
[ "$MB" -ge 10 ] || { echo "pull.sh: --mb is at least 10" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "pull.sh: must run as root" >&2; exit 2; }
MYC=$(realpath "$MYC")
ROOTFS=$(realpath "$ROOTFS")
OUT=$(realpath -m "$OUT")
# mycontainer runs the mycontainer-image in its own directory for pull
# (unless $MYCONTAINER_IMAGE_HELPER names another: not here).
unset MYCONTAINER_IMAGE_HELPER
for b in "$MYC" ${BASE:+"$BASE"}; do
	if [ ! -x "$b" ] || [ ! -x "$(dirname "$b")/mycontainer-image" ]; then
		echo "pull.sh: no $b, or no mycontainer-image beside it: run make build" >&2
		exit 2
	fi
done
[ -z "$BASE" ] || BASE=$(realpath "$BASE")
[ -x "$ROOTFS/bin/busybox" ] || { echo "pull.sh: no rootfs at $ROOTFS: run make rootfs" >&2; exit 2; }

need=()
command -v docker-registry >/dev/null || need+=(docker-registry)
command -v skopeo >/dev/null || need+=(skopeo)
command -v umoci >/dev/null || need+=(umoci)
command -v jq >/dev/null || need+=(jq)
command -v gcc >/dev/null || need+=(gcc)
command -v curl >/dev/null || need+=(curl)
if [ ${#need[@]} -gt 0 ]; then
	echo "pull.sh: installing ${need[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

# Once more in a mount namespace of its own, where the tmpfs is mounted:
# it ends with the script, whatever ends the script.
if [ -z "${MYC_PULL_BENCH_NS:-}" ]; then
	export MYC_PULL_BENCH_NS=1
	exec unshare --mount --propagation private -- "$0" "${ARGS[@]}"
fi

T=$(mktemp -d /tmp/mycontainer-bench-pull.XXXXXX)
W=$T/w # the work area: the registry's storage, the image, stores, bundles
REG_PID=""
cleanup() {
	if [ -n "$REG_PID" ]; then
		kill "$REG_PID" 2>/dev/null || true
		wait "$REG_PID" 2>/dev/null || true
	fi
	# Lazily: a signal can stop the script inside a function whose
	# redirection (text >FILE) bash itself still holds open on the tmpfs.
	! mountpoint -q "$W" || umount -l "$W" || true
	if [ $KEEP = 1 ]; then
		rm -rf "$W"
		echo "pull.sh: kept $T (logs and raw data)" >&2
	else
		rm -rf "$T"
	fi
}
# bash runs a trap once the foreground command ends: a signal during a
# pull waits for that pull (seconds), then everything is removed.
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
mkdir -p "$T/log" "$W"
# A tmpfs by default: this VM's /tmp is an ext4 without a journal, whose
# inode allocator skips every inode freed in the last ~30 s (perf:
# recently_deleted, find_inode_bit), so that each file made after the
# previous round's were removed cost ~0.8 ms and a pull took 6 times as
# long: that measured the filesystem. A journaled ext4, xfs or btrfs has
# no such scan; --disk measures there.
if [ $DISK = 0 ]; then
	mount -t tmpfs -o size=$((MB * 8 + 512))m,mode=700 mycontainer-bench-pull "$W"
fi
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$T/spawn" "$HERE/spawn.c"
# Both builds copied the same way (a go build's output and a copy of it
# differ by ~25 page faults at start), each with its mycontainer-image.
copy_build() { # copy_build BINARY DIR
	mkdir -p "$2"
	cp "$1" "$2/mycontainer"
	cp "$(dirname "$1")/mycontainer-image" "$2/mycontainer-image"
}
SIDES=(mycontainer)
copy_build "$MYC" "$T/a"
if [ -n "$BASE" ]; then
	copy_build "$BASE" "$T/b"
	SIDES+=(baseline)
fi
SIDES+=(pair)

# The registry: Debian's docker-registry on 127.0.0.1 with its own storage
# (as tests/image_helpers_test.go starts it), on a free port; a port taken
# meanwhile makes it exit, and another is tried. It gets SIGKILL if the
# script dies without its trap (setpriv --pdeathsig).
start_registry() {
	local try i
	for try in 1 2 3 4 5 6 7 8 9 10; do
		PORT=$((20000 + RANDOM % 30000))
		[ -z "$(ss -Htln "sport = :$PORT")" ] || continue
		printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
			"$W/reg" "$PORT" >"$T/reg.yml"
		setpriv --pdeathsig KILL docker-registry serve "$T/reg.yml" >>"$T/log/registry.log" 2>&1 &
		REG_PID=$!
		for i in $(seq 100); do
			curl -fs -o /dev/null "http://127.0.0.1:$PORT/v2/" && return 0
			kill -0 "$REG_PID" 2>/dev/null || break
			sleep 0.05
		done
		kill "$REG_PID" 2>/dev/null || true
		wait "$REG_PID" 2>/dev/null || true
		REG_PID=""
	done
	echo "pull.sh: the registry did not start (try $try of 10; $T/log/registry.log):" >&2
	tail -3 "$T/log/registry.log" >&2
	exit 1
}
start_registry

# The image, built without any download: busybox as the base layer, then
# a layer of incompressible files (as binaries mostly are), one of many
# small text files and one of a few large ones. The text is od's decimal
# dump of random bytes, which gzip takes to ~37%: ~100 MiB unpacked is ~50
# MB compressed, about what gzip makes of a distribution's base image.
# text N writes about N bytes: od writes 72 bytes for every 16 it reads.
text() { head -c $(($1 * 2 / 9)) /dev/urandom | od -Ad -tu1 -v; }
build_image() {
	local d=$W/img mib=$((1 << 20)) i
	local L=$d/L:t rnd=$((MB * 15 / 100)) small=$((MB * 45 / 100))
	local big=$((MB - 2 - rnd - small))
	mkdir -p "$d/bin/usr/lib" "$d/small/usr/share/doc" "$d/big/var/lib/data"
	for i in $(seq "$rnd"); do head -c "$mib" /dev/urandom >"$d/bin/usr/lib/lib$i.so"; done
	text $((small * mib)) | split -b 16K -a 4 - "$d/small/usr/share/doc/f"
	for i in 1 2 3 4; do text $((big * mib / 4)) >"$d/big/var/lib/data/part$i"; done
	umoci init --layout "$d/L"
	umoci new --image "$L"
	umoci insert --image "$L" "$ROOTFS" /
	umoci insert --image "$L" "$d/bin" /
	umoci insert --image "$L" "$d/small" /
	umoci insert --image "$L" "$d/big" /
	umoci config --image "$L" --config.cmd /bin/sh --config.env PATH=/bin
	skopeo copy --quiet --dest-tls-verify=false "oci:$L" "docker://$REF"
	# Its shape, for the report: layers, bytes compressed (as sent) and
	# unpacked (the tars). umoci 0.4.7 ends a layer without the tar's
	# end-of-archive blocks (and the last file's padding), which GNU tar
	# calls an error and both sides here accept: the files are counted in
	# the pair's bundle instead.
	local m
	m=$(jq -r '.manifests[0].digest | sub("sha256:"; "")' "$d/L/index.json")
	LAYERS=$(jq '.layers | length' "$d/L/blobs/sha256/$m")
	ZBYTES=$(jq '[.layers[].size] | add' "$d/L/blobs/sha256/$m")
	TBYTES=0
	for i in $(jq -r '.layers[].digest | sub("sha256:"; "")' "$d/L/blobs/sha256/$m"); do
		TBYTES=$((TBYTES + $(gzip -dc "$d/L/blobs/sha256/$i" | wc -c)))
	done
	rm -rf "$d"
}
REF=127.0.0.1:$PORT/bench/pull:1
echo "pull.sh: building the image (${MB} MiB) and pushing it to $REF" >&2
build_image

# One measured run of a side: spawn (bench/spawn.c) starts the command
# and reaps its whole tree; it prints "run 0 WALL_US CPU_US USER_US SYS_US
# MAXRSS_KB STATUS". A failed run stops the benchmark: a figure of a
# failure is no figure. Each side starts from nothing: an empty store, no
# OCI layout, no bundle (removed before, untimed). The page cache is left
# alone (it is the whole machine's): the registry's blobs are read from
# memory by every side alike.
side() {
	local s=$1 r=$2 line
	rm -rf "$W/store" "$W/oci" "$W/bundle"
	case $s in
	mycontainer | baseline)
		local bin=$T/a/mycontainer
		[ "$s" = mycontainer ] || bin=$T/b/mycontainer
		"$T/spawn" -- "$bin" pull --insecure --quiet --storage "$W/store" "$REF" >"$T/out" 2>>"$T/log/$s.err" || true
		;;
	pair)
		# shellcheck disable=SC2016 # sh expands them, from its arguments
		"$T/spawn" -- sh -c 'skopeo copy --quiet --src-tls-verify=false "docker://$1" "oci:$2:t" && umoci unpack --image "$2:t" "$3"' \
			sh "$REF" "$W/oci" "$W/bundle" >"$T/out" 2>>"$T/log/$s.err" || true
		;;
	esac
	line=$(grep '^run 0 ' "$T/out" || true)
	if [ -z "$line" ] || [ "$(echo "$line" | cut -d' ' -f8)" != 0 ]; then
		echo "pull.sh: $s failed (${line:-no result}); its log:" >&2
		tail -5 "$T/log/$s.err" >&2
		exit 1
	fi
	[ "$r" = 0 ] || echo "$s $r $(echo "$line" | cut -d' ' -f3,4,7)" >>"$T/data"
}

# One uncounted run of each side, then the rounds, each side once per
# round, the order rotated every round: A B, B A, A B, ... (A B C, B C A,
# C A B, ... with --baseline).
echo "pull.sh: one uncounted run of each, then $ROUNDS rounds" >&2
: >"$T/data"
for s in "${SIDES[@]}"; do
	side "$s" 0
	[ "$s" != pair ] || FILES=$(find "$W/bundle/rootfs" | wc -l)
done
n=${#SIDES[@]}
for r in $(seq "$ROUNDS"); do
	for i in $(seq 0 $((n - 1))); do
		side "${SIDES[$(((r - 1 + i) % n))]}" "$r"
	done
	echo "pull.sh: round $r of $ROUNDS: $(awk -v r="$r" '$2 == r { printf "%s %.2f s; ", $1, $3 / 1e6 }' "$T/data")" >&2
done
rm -rf "$W/store" "$W/oci" "$W/bundle"

# The report. mci reads numbers, one a line, and prints their median and
# the order-statistic interval around it that holds the median with at
# least 95% confidence (binomial), else min-max, and that interval's
# confidence: with 5 rounds, min-max at 94%.
mci() {
	sort -g | awk '{ v[NR] = $1 } END {
		n = NR; m = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
		k = 1; p = 0.5 ^ n; c = p # c = P(X <= k-1), X ~ Bin(n, 1/2): 1-2c is the cover
		while (k + 1 <= n - k) { p = p * (n - k + 1) / k; if (c + p > 0.025) break; c += p; k++ }
		printf "%s %s %s %.0f\n", m, v[k], v[n - k + 1], 100 * (1 - 2 * c) }'
}
col() { awk -v s="$1" -v c="$2" '$1 == s { print $c }' "$T/data"; }
paired() { # paired A B COLUMN OP: per round, B OP A (OP: ratio or diff)
	awk -v a="$1" -v b="$2" -v c="$3" -v op="$4" '$1 == a { x[$2] = $c } $1 == b { y[$2] = $c }
		END { for (r in x) if (r in y) print (op == "ratio") ? y[r] / x[r] : (y[r] - x[r]) / 1e6 }' "$T/data"
}
row() { # row SIDE LABEL
	local w c r
	read -r -a w <<<"$(col "$1" 3 | mci)"
	read -r -a c <<<"$(col "$1" 4 | mci)"
	read -r -a r <<<"$(col "$1" 5 | mci)"
	awk -v l="$2" -v w="${w[*]}" -v c="${c[*]}" -v r="${r[0]}" 'BEGIN { split(w, W); split(c, C)
		printf "| %s | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.0f |\n", l, W[1] / 1e6, W[2] / 1e6, W[3] / 1e6, C[1] / 1e6, C[2] / 1e6, C[3] / 1e6, r / 1024 }'
}
ci() { # ci FORMAT: the median and interval of stdin's numbers
	local v
	read -r -a v <<<"$(mci)"
	awk -v f="$1" -v m="${v[0]}" -v lo="${v[1]}" -v hi="${v[2]}" -v p="${v[3]}" 'BEGIN { printf f " (%d%%: " f " to " f ")", m, p, lo, hi }'
}
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1e6 }'; }
{
	echo "# Pull benchmark results"
	echo
	echo "Written by \`bench/pull.sh --rounds $ROUNDS --mb $MB$([ $DISK = 0 ] || echo ' --disk')$([ -z "$BASE" ] || echo ' --baseline B')\` on $(date -u +%Y-%m-%d)."
	echo "An image of $LAYERS layers, $(mb "$TBYTES") unpacked ($FILES files and directories), $(mb "$ZBYTES") compressed"
	echo "(gzip, as umoci writes it), built without a download and pushed to Debian's"
	echo "docker-registry on 127.0.0.1. Each side starts from nothing in every round: an"
	echo "empty store for \`mycontainer pull --insecure\`, no OCI layout and no bundle for"
	echo "\`skopeo copy docker://REF oci:DIR:t\` then \`umoci unpack --image DIR:t BUNDLE\`."
	if [ $DISK = 0 ]; then
		echo "Everything is written to a tmpfs (the registry's storage too)."
	else
		echo "Everything is written to $(findmnt -n -o FSTYPE -T "$W") under /tmp (the registry's storage too)."
	fi
	echo "One uncounted run of each, then $ROUNDS rounds, the order rotated every round."
	echo "The page cache is left as it is."
	echo
	echo "Median (min–max) over the rounds. Wall in s; CPU is user+sys of the whole"
	echo "process tree in s (the registry's own is in neither); peak RSS is the largest"
	echo "process's, in MB."
	echo
	echo "| | wall s | CPU s | peak RSS MB |"
	echo "|---|---|---|---|"
	row mycontainer "\`mycontainer pull\`"
	[ -z "$BASE" ] || row baseline "\`mycontainer pull\`, the baseline"
	row pair "\`skopeo copy\` + \`umoci unpack\`"
	echo
	echo "The pair's time over mycontainer's in the same round, the median of the"
	echo "$ROUNDS paired ratios and the interval that holds it:"
	echo "wall $(paired mycontainer pair 3 ratio | ci '%.2f×'), CPU $(paired mycontainer pair 4 ratio | ci '%.2f×')."
	if [ -n "$BASE" ]; then
		echo
		echo "This build minus the baseline in the same round, in s (negative: this"
		echo "build is faster): wall $(paired baseline mycontainer 3 diff | ci '%+.3f'),"
		echo "CPU $(paired baseline mycontainer 4 diff | ci '%+.3f')."
	fi
	echo
	echo "## Machine"
	echo
	echo "- kernel: $(uname -r)"
	echo "- CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
	echo "- load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- mycontainer: $("$MYC" --version 2>&1 | head -1), source at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$REPO" diff --quiet HEAD -- . ':!bench' ':!tests' 2>/dev/null || echo ' with local changes')"
	[ -z "$BASE" ] || echo "- baseline: $BASE"
	echo "- skopeo: $(skopeo --version | head -1)"
	echo "- umoci: $(umoci --version | head -1)"
	echo "- docker-registry: $(dpkg-query -W -f '${Version}' docker-registry 2>/dev/null || echo ?)"
} >"$T/results.md"
mkdir -p "$(dirname "$OUT")"
cp "$T/results.md" "$OUT"
cat "$T/results.md"
echo "pull.sh: wrote $OUT" >&2
