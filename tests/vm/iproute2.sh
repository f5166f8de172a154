#!/usr/bin/env bash
# tests/vm/iproute2.sh DIR: put the host's iproute2 `ip` into DIR for the
# cgroup v2 VM, so the network tests (which build their "outside" world
# with `ip netns` and veth pairs) run there too.
#
# The guest has only a static busybox, whose `ip` has no netns, and Debian
# links iproute2 dynamically. So the binary goes in with its own loader
# and the libraries ldd names (DIR/iproute2/), and DIR/bin/ip runs it
# through that loader. The tests find it first on PATH (test-v2 puts
# /mnt/files/bin in front). ~3.5 MB.
set -euo pipefail
dir=${1:?usage: $0 DIR}
ip=$(command -v ip) || { echo "iproute2.sh: no ip on this host (apt-get install iproute2)" >&2; exit 1; }
mkdir -p "$dir/iproute2" "$dir/bin"
cp -L "$ip" "$dir/iproute2/ip"
loader=
# ldd prints "name => /path (addr)" per library and "/path/ld-linux... (addr)"
# for the loader.
while read -r a b c _; do
	case $b in
	'=>') [[ $c == /* ]] && cp -L "$c" "$dir/iproute2/" ;;
	*) if [[ $a == /*ld-linux* ]]; then cp -L "$a" "$dir/iproute2/"; loader=$(basename "$a"); fi ;;
	esac
done < <(ldd "$ip")
[[ -n $loader ]] || { echo "iproute2.sh: ldd $ip named no loader" >&2; exit 1; }
cat >"$dir/bin/ip" <<WRAP
#!/bin/sh
exec /mnt/files/iproute2/$loader --library-path /mnt/files/iproute2 /mnt/files/iproute2/ip "\$@"
WRAP
chmod +x "$dir/bin/ip"
