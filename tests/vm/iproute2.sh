#!/usr/bin/env bash
# tests/vm/iproute2.sh DIR: put the host's iproute2 `ip` into DIR for the
# cgroup v2 VM, so the network tests (which build their "outside" world
# with `ip netns` and veth pairs) run there too.
#
# The guest has only a static busybox, whose `ip` has no netns, and Debian
# links iproute2 dynamically: tests/vm/hostbin.sh puts the binary in
# DIR/bin/ip and its loader and libraries in DIR/hostroot/. The tests find
# it first on PATH (test-v2 puts /mnt/files/bin in front). ~3.5 MB.
set -euo pipefail
dir=${1:?usage: $0 DIR}
command -v ip >/dev/null || { echo "iproute2.sh: no ip on this host (apt-get install iproute2)" >&2; exit 1; }
exec "$(dirname "$0")/hostbin.sh" "$dir" ip
