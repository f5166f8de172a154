#!/usr/bin/env bash
# Pull and unpack of a ~100 MB image from a registry on loopback:
# `mycontainer pull` beside `skopeo copy` plus `umoci unpack` (Debian's),
# in interleaved rounds of one run (issue 12). See bench/README.md.
#
#   bench/pull.sh [--rounds N] [--mb N] [--out FILE] [--runtime PATH]
#                 [--rootfs DIR] [--keep]
#
# Run it as root (the store holds files of every owner), under the root
# suite lock, so that no other benchmark shares the cores:
#   flock /tmp/mycontainer-root-suite.lock bench/pull.sh
#
# Everything it makes (the registry's storage, the image, the stores, the
# bundles, the launcher, logs) lives in one temp dir, removed on every exit
# path with the registry, which is stopped by its PID. Nothing is mounted.
set -euo pipefail

usage() {
	echo "usage: $0 [--rounds N] [--mb N] [--out FILE] [--runtime PATH] [--rootfs DIR] [--keep]" >&2
	exit 2
}

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
ROUNDS=5  # interleaved rounds, each one pull of either side
MB=100    # the image's size unpacked, in MiB
KEEP=0    # keep the temp dir (image, logs, raw data) for debugging
OUT=$HERE/RESULTS-pull.md
MYC=$REPO/mycontainer
ROOTFS=$REPO/testdata/rootfs
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds | --mb | --out | --runtime | --rootfs)
		[ $# -ge 2 ] || usage
		case "$1" in
		--rounds) ROUNDS=$2 ;; --mb) MB=$2 ;; --out) OUT=$2 ;;
		--runtime) MYC=$2 ;; --rootfs) ROOTFS=$2 ;;
		esac
		shift 2
		;;
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
if [ ! -x "$MYC" ] || [ ! -x "$MYC-image" ]; then
	echo "pull.sh: no $MYC and $MYC-image: run make build" >&2
	exit 2
fi
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

T=$(mktemp -d /tmp/mycontainer-bench-pull.XXXXXX)
REG_PID=""
cleanup() {
	if [ -n "$REG_PID" ]; then
		kill "$REG_PID" 2>/dev/null || true
		wait "$REG_PID" 2>/dev/null || true
	fi
	if [ $KEEP = 1 ]; then
		echo "pull.sh: kept $T" >&2
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
mkdir -p "$T/log"
gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$T/spawn" "$HERE/spawn.c"

# The registry: Debian's docker-registry on 127.0.0.1 with its own storage
# (as tests/image_helpers_test.go starts it), on a free port; a port taken
# meanwhile makes it exit, and another is tried.
start_registry() {
	local try i
	for try in 1 2 3 4 5 6 7 8 9 10; do
		PORT=$((20000 + RANDOM % 30000))
		[ -z "$(ss -Htln "sport = :$PORT")" ] || continue
		printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' \
			"$T/reg" "$PORT" >"$T/reg.yml"
		docker-registry serve "$T/reg.yml" >>"$T/log/registry.log" 2>&1 &
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
# small text files and one of a few large ones. The text is od's hex dump
# of random bytes, which gzip takes to ~44%, about what it does to a
# distribution's files: ~100 MiB unpacked is ~50 MB compressed.
# text N writes about N bytes: od writes 49 bytes for every 16 it reads.
text() { head -c $(($1 * 16 / 49)) /dev/urandom | od -An -tx1 -v; }
build_image() {
	local L=$T/img/L:t d=$T/img mib=$((1 << 20)) i
	local rnd=$((MB * 15 / 100)) small=$((MB * 45 / 100))
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

# One measured run: spawn (bench/spawn.c) starts the command and reaps
# its whole tree; it prints "run 0 WALL_US CPU_US USER_US SYS_US MAXRSS_KB
# STATUS". A failed run stops the benchmark: a figure of a failure is no
# figure.
measure() {
	local side=$1
	shift
	"$T/spawn" -- "$@" >"$T/out" 2>>"$T/log/$side.err" || true
	local line
	line=$(grep '^run 0 ' "$T/out" || true)
	if [ -z "$line" ] || [ "$(echo "$line" | cut -d' ' -f8)" != 0 ]; then
		echo "pull.sh: $side failed (${line:-no result}); its log:" >&2
		tail -5 "$T/log/$side.err" >&2
		exit 1
	fi
	echo "$side $(echo "$line" | cut -d' ' -f3,4,7)" >>"$T/data"
}
# Each side starts from nothing: an empty store, no OCI layout, no bundle.
# The page cache is left alone (it is the whole machine's): the registry's
# blobs are read from memory by both sides alike, and each side's writes
# go to the same disk, under this temp dir.
mine() {
	rm -rf "$T/store"
	measure mycontainer "$MYC" pull --insecure --quiet --storage "$T/store" "$REF"
}
pair() {
	rm -rf "$T/oci" "$T/bundle"
	# shellcheck disable=SC2016 # sh expands them, from its arguments
	measure pair sh -c 'skopeo copy --quiet --src-tls-verify=false "docker://$1" "oci:$2:t" && umoci unpack --image "$2:t" "$3"' \
		sh "$REF" "$T/oci" "$T/bundle"
}

# One uncounted run of each, then the rounds, in the order A B B A A B ...
echo "pull.sh: one uncounted run of each, then $ROUNDS rounds" >&2
mine
pair
FILES=$(find "$T/bundle/rootfs" | wc -l)
: >"$T/data"
for r in $(seq "$ROUNDS"); do
	if [ $((r % 2)) = 1 ]; then mine; pair; else pair; mine; fi
	echo "pull.sh: round $r of $ROUNDS: $(tail -2 "$T/data" | tr '\n' ' ')" >&2
done
rm -rf "$T/store" "$T/oci" "$T/bundle"

# The report: median, min and max of each side's wall and CPU (user+sys
# of the tree) and peak RSS, and per round the pair's time over
# mycontainer's (with 5 rounds, min..max of the 5 paired ratios holds
# their median with 94% confidence).
stats() { # stats SIDE COLUMN: median min max, in the column's unit
	awk -v s="$1" -v c="$2" '$1 == s { print $c }' "$T/data" | sort -n |
		awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m, v[1], v[NR] }'
}
ratios() { # ratios COLUMN: median min max of pair/mycontainer per round
	awk -v c="$1" '$1 == "mycontainer" { a[++na] = $c } $1 == "pair" { b[++nb] = $c }
		END { for (i = 1; i <= na; i++) print b[i] / a[i] }' "$T/data" | sort -g |
		awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f× (%.2f–%.2f)\n", m, v[1], v[NR] }'
}
row() { # row SIDE LABEL
	local w c r
	read -r -a w <<<"$(stats "$1" 2)"
	read -r -a c <<<"$(stats "$1" 3)"
	read -r -a r <<<"$(stats "$1" 4)"
	awk -v l="$2" -v w0="${w[0]}" -v w1="${w[1]}" -v w2="${w[2]}" -v c0="${c[0]}" -v c1="${c[1]}" -v c2="${c[2]}" -v r="${r[0]}" \
		'BEGIN { printf "| %s | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.0f |\n", l, w0 / 1e6, w1 / 1e6, w2 / 1e6, c0 / 1e6, c1 / 1e6, c2 / 1e6, r / 1024 }'
}
mb() { awk -v b="$1" 'BEGIN { printf "%.0f MB", b / 1e6 }'; }
{
	echo "# Pull benchmark results"
	echo
	echo "Written by \`bench/pull.sh --rounds $ROUNDS --mb $MB\` on $(date -u +%Y-%m-%d)."
	echo "An image of $LAYERS layers, $(mb "$TBYTES") unpacked ($FILES files and directories), $(mb "$ZBYTES") compressed"
	echo "(gzip, as umoci writes it), built without a download and pushed to Debian's"
	echo "docker-registry on 127.0.0.1. Each side starts from nothing in every round: an"
	echo "empty store for \`mycontainer pull --insecure\`, no OCI layout and no bundle for"
	echo "\`skopeo copy docker://REF oci:DIR:t\` then \`umoci unpack --image DIR:t BUNDLE\`."
	echo "One uncounted run of each, then $ROUNDS rounds in the order A B, B A, A B, ..."
	echo "The page cache is left as it is."
	echo
	echo "Median (min–max) over the rounds. Wall in s; CPU is user+sys of the whole"
	echo "process tree in s; peak RSS is the largest process's."
	echo
	echo "| | wall s | CPU s | peak RSS MB |"
	echo "|---|---|---|---|"
	row mycontainer "\`mycontainer pull\`"
	row pair "\`skopeo copy\` + \`umoci unpack\`"
	echo
	echo "The pair over mycontainer, per round (median, min–max of the $ROUNDS paired"
	echo "ratios): wall $(ratios 2), CPU $(ratios 3)."
	echo
	echo "## Machine"
	echo
	echo "- kernel: $(uname -r)"
	echo "- CPU: $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(nproc) cores"
	echo "- load average (1, 5, 15 min) at the start: $LOAD_START; at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
	echo "- the temp dir's filesystem: $(findmnt -n -o FSTYPE,OPTIONS -T "$T" | cut -c1-80)"
	echo "- mycontainer: $("$MYC" --version 2>&1 | head -1), source at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$REPO" diff --quiet HEAD -- . ':!bench' ':!tests' 2>/dev/null || echo ' with local changes')"
	echo "- skopeo: $(skopeo --version | head -1)"
	echo "- umoci: $(umoci --version | head -1)"
	echo "- docker-registry: $(dpkg-query -W -f '${Version}' docker-registry 2>/dev/null || echo ?)"
} >"$T/results.md"
mkdir -p "$(dirname "$OUT")"
cp "$T/results.md" "$OUT"
cat "$T/results.md"
echo "pull.sh: wrote $OUT" >&2
