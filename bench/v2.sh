#!/usr/bin/env bash
# The benchmark (bench/run.sh) on a pure cgroup v2 kernel: inside the qemu
# VM of tests/vm/run.sh (TCG, Debian's cloud kernel, cgroup_no_v1=all),
# where crun and runc use cgroup v2 natively (no tmpfs hides cgroup2) and
# mycontainer starts its containers with CLONE_INTO_CGROUP. Writes
# bench/RESULTS-v2.md. See bench/README.md.
#
#   bench/v2.sh [--out FILE] [--smp N] [--icount SHIFT|off] [--cgroup v1|v2]
#               [--vm-mem SIZE] [--timeout SECS] [--module NAME]... [-- RUN.SH OPTIONS]
#
# --cgroup v1 is the control: the same VM booted with cgroup v1, laid out
# as on this project's dev host without its cgroup2 (written to
# bench/RESULTS-v1vm.md), so that what cgroup v2 changes is told apart
# from what the VM changes.
#
# By default the VM counts instructions (qemu -icount shift=0, one vCPU):
# the guest's clock advances 1 ns per instruction, so its times measure
# the instructions a start executes, not how long TCG took to translate
# them nor how busy the host was. Plain TCG (--icount off) inflates a
# dynamically linked program's start about three times more than a
# static one's, and the host's load goes straight into the guest's times.
#
# RUN.SH OPTIONS default to a run small enough for TCG:
#   --rounds 10 --seq 10 --conc 5 --mem 1
# The --net bridge rows need the bridge and nftables modules: give them
# with --module (make bench-v2 passes the Makefile's VM_MODULES); without
# any, mycontainer-net stays out of the VM and run.sh leaves those rows out.
#
# Nothing here touches the host's cgroups or mounts: the host part copies
# files into a temp dir (removed on exit); everything else runs in the VM.
set -euo pipefail

usage() {
	echo "usage: $0 [--out FILE] [--smp N] [--icount SHIFT|off] [--cgroup v1|v2] [--vm-mem SIZE] [--timeout SECS] [--module NAME]... [-- RUN.SH OPTIONS]" >&2
	exit 2
}

HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(dirname "$HERE")
OUT=
CGROUP=v2
SMP=1
ICOUNT=0
VMMEM=1024M
TIMEOUT=2400
MODULES=()
while [ $# -gt 0 ]; do
	case "$1" in
	--out | --smp | --icount | --cgroup | --vm-mem | --timeout | --module)
		[ $# -ge 2 ] || usage
		case "$1" in
		--out) OUT=$2 ;; --smp) SMP=$2 ;; --icount) ICOUNT=$2 ;; --cgroup) CGROUP=$2 ;; --vm-mem) VMMEM=$2 ;; --timeout) TIMEOUT=$2 ;;
		--module) MODULES+=(--module "$2") ;;
		esac
		shift 2
		;;
	--) shift; break ;;
	*) usage ;;
	esac
done
[ $# -gt 0 ] || set -- --rounds 10 --seq 10 --conc 5 --mem 1
case "$CGROUP" in
v2) OUT=${OUT:-$HERE/RESULTS-v2.md} ;;
v1) OUT=${OUT:-$HERE/RESULTS-v1vm.md} ;;
*) usage ;;
esac
OUT=$(realpath -m "$OUT")
ICOUNT_ARGS=(--icount "$ICOUNT")
[ "$ICOUNT" != off ] || ICOUNT_ARGS=()

for b in mycontainer mycontainer-image mycontainer-net mycontainer-seccomp; do
	[ -x "$REPO/$b" ] || { echo "bench-v2: no $REPO/$b: run make build" >&2; exit 2; }
done
[ -x "$REPO/testdata/rootfs/bin/busybox" ] || { echo "bench-v2: no testdata/rootfs: run make rootfs" >&2; exit 2; }
# The host's runtimes and tools go into the VM (tests/vm/hostbin.sh).
need=()
command -v runc >/dev/null || need+=(runc)
command -v crun >/dev/null || need+=(crun)
command -v bwrap >/dev/null || need+=(bubblewrap)
command -v jq >/dev/null || need+=(jq)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || need+=(libc6-dev)
if [ ${#need[@]} -gt 0 ]; then
	echo "bench-v2: installing ${need[*]}" >&2
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi

D=$(mktemp -d /tmp/mycontainer-bench-v2.XXXXXX)
trap 'rm -rf "$D"' EXIT

# What run.sh finds beside itself and its runtime: REPO is the guest's
# /mnt/files, so the runtime and its helpers go at the top.
cp "$REPO/mycontainer" "$REPO/mycontainer-image" "$REPO/mycontainer-seccomp" "$D/"
[ ${#MODULES[@]} = 0 ] || cp "$REPO/mycontainer-net" "$D/"
mkdir "$D/bench"
cp "$HERE/run.sh" "$HERE/oci-layout.sh" "$D/bench/"
cp -a "$REPO/testdata/rootfs" "$D/rootfs"
# What run.sh would build with gcc and go, which the guest has not.
gcc -static -std=gnu11 -O2 -Wall -Wextra -Werror -o "$D/spawn" "$HERE/spawn.c"
(cd "$REPO" && go run ./bench/dockerprofile) >"$D/dockerprofile.json"
# Every tool run.sh calls that the guest's busybox lacks (bash, join,
# realpath -m, tar --sort) or where its output must match the host run's
# (awk, sort, stat, find, xargs), and the runtimes.
"$REPO/tests/vm/hostbin.sh" "$D" bash jq runc crun bwrap unshare join tar realpath awk sort stat find xargs
# run.sh's "mycontainer:" fact needs file and the git tree.
echo "$("$REPO/mycontainer" --version 2>&1 | head -1) ($(file -b "$REPO/mycontainer" | grep -o 'statically linked\|dynamically linked')), source at $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo ?)$(git -C "$REPO" diff --quiet HEAD -- . ':!bench' ':!tests' 2>/dev/null || echo ' with local changes')" >"$D/myc-fact"

# The guest's side: the results travel back on the VM's stdout between
# two marker lines (/mnt/files is guest RAM, gone at power-off).
BEGIN_MARK="==== bench-v2: RESULTS begin ===="
END_MARK="==== bench-v2: RESULTS end ===="
# The bare start of each program (`--version`, 20 times) in the VM and on
# the host: how differently the VM scales each one.
VERSION_OF="/mnt/files/mycontainer runc crun bwrap"
cat >"$D/guest.sh" <<EOF
export PATH=/mnt/files/bin:\$PATH
export MYC_BENCH_SPAWN=/mnt/files/spawn MYC_BENCH_PROFILE=/mnt/files/dockerprofile.json
MYC_BENCH_MYC_FACT=\$(cat /mnt/files/myc-fact)
export MYC_BENCH_MYC_FACT
/mnt/files/bench/run.sh --rootfs /mnt/files/rootfs --out /tmp/RESULTS-v2.md "\$@" >/dev/null || exit \$?
echo "$BEGIN_MARK"
cat /tmp/RESULTS-v2.md
echo "$END_MARK"
for p in $VERSION_OF; do
	echo "bench-v2: version \$p \$(./spawn -n 20 -- \$p --version 2>/dev/null | grep '^total')"
done
EOF

for p in $VERSION_OF; do
	hp=$p
	[ "$p" != /mnt/files/mycontainer ] || hp=$REPO/mycontainer
	echo "bench-v2: version $p $("$D/spawn" -n 20 -- "$hp" --version 2>/dev/null | grep '^total')"
done >"$D/host-versions"

echo "bench-v2: $(du -sh "$D" | cut -f1) of files into the VM; bench/run.sh $*" >&2
set +e
"$REPO/tests/vm/run.sh" --mem "$VMMEM" --smp "$SMP" "${ICOUNT_ARGS[@]}" --cgroup "$CGROUP" --timeout "$TIMEOUT" --files "$D" "${MODULES[@]}" \
	-- sh guest.sh "$@" | tee "$D/out" >&2
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || { echo "bench-v2: the VM's run failed (exit $rc): see its output above" >&2; exit 1; }
tr -d '\r' <"$D/out" | awk -v b="$BEGIN_MARK" -v e="$END_MARK" '$0 == e { on = 0 } on { print } $0 == b { on = 1 }' >"$D/results"
grep -q '^# Benchmark results' "$D/results" ||
	{ echo "bench-v2: the VM's output has no results between the markers" >&2; exit 1; }

kver=$(grep -o '^- kernel: .*' "$D/results" | cut -d' ' -f3)
{
	if [ "$CGROUP" = v2 ]; then
		echo "# Benchmark results: the cgroup v2 VM"
		echo
		echo "Written by \`bench/v2.sh\` (\`make bench-v2\`): bench/run.sh in the throwaway qemu"
		echo "VM of tests/vm/run.sh (TCG emulation, $SMP vCPU(s), Debian's $kver kernel with"
		echo "\`cgroup_no_v1=all\`, a busybox guest; runc, crun, bwrap, unshare and the tools"
		echo "are the host's Debian binaries with their libraries). Every runtime uses cgroup"
		echo "v2 natively: nothing is hidden."
	else
		echo "# Benchmark results: the same VM on cgroup v1 (the control)"
		echo
		echo "Written by \`bench/v2.sh --cgroup v1\`: bench/run.sh in the throwaway qemu VM of"
		echo "tests/vm/run.sh (TCG emulation, $SMP vCPU(s), Debian's $kver kernel, a busybox"
		echo "guest; runc, crun, bwrap, unshare and the tools are the host's Debian binaries"
		echo "with their libraries), booted with cgroup v1 as the dev host has it (cpu,"
		echo "cpuacct, cpuset, memory, devices, freezer, blkio and pids each in its own"
		echo "hierarchy, and name=systemd) and no cgroup2: nothing is hidden. It is"
		echo "RESULTS-v2.md's control: what differs between the two is cgroup v2's doing."
	fi
	if [ "$ICOUNT" != off ]; then
		echo "The VM counts instructions (qemu \`-icount shift=$ICOUNT\`): the guest's clock"
		echo "advances $((1 << ICOUNT)) ns per instruction executed, so its times are instruction"
		echo "counts of the whole guest (kernel included), independent of the host's load and"
		echo "of TCG's translation, with no caches, TLBs or pipelines behind them."
	else
		echo "Plain TCG: the guest's times include TCG's translation and the host's load."
	fi
	echo "**These times are not comparable with bench/RESULTS.md's: only the ratios"
	echo "within this file are**, and they weigh instructions, not cycles (see \"The"
	echo "VM's scale\" at the end). The guest has no disk: the image-disk store is on its"
	echo "tmpfs, like image's."
	[ ${#MODULES[@]} -gt 0 ] || echo "No --net bridge rows: the VM was given no bridge and nftables modules (--module)."
	sed 1d "$D/results"
	echo
	echo "## The VM's scale, program by program"
	echo
	echo "CPU of one \`PROGRAM --version\` (mycontainer's runs mycontainer-seccomp too, for libseccomp's version), the"
	echo "mean of 20, on the host (measured just before the VM started) and in the VM."
	echo "Where the ratios of the tables above differ from the host's, this shows how"
	echo "much of it is the VM weighing each program differently."
	echo
	echo "| program | host ms | VM ms | VM ÷ host |"
	echo "|---|---|---|---|"
	tr -d '\r' <"$D/out" | grep '^bench-v2: version ' | while read -r _ _ p _ n _ vcpu _; do
		read -r _ _ _ _ hn _ hcpu _ <<<"$(grep "^bench-v2: version $p " "$D/host-versions")"
		awk -v p="${p##*/}" -v n="$n" -v v="$vcpu" -v hn="$hn" -v h="$hcpu" 'BEGIN {
			if (n == "" || hn == "" || h == 0) { printf "| %s | – | – | – |\n", p; exit }
			printf "| %s | %.2f | %.2f | %.1f× |\n", p, h / hn / 1000, v / n / 1000, (v / n) / (h / hn) }'
	done
} >"$OUT"
echo "bench-v2: wrote $OUT" >&2
