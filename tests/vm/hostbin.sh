#!/usr/bin/env bash
# tests/vm/hostbin.sh DIR PROG...: put host programs into DIR for the cgroup
# v2 VM (tests/vm/run.sh --files DIR). Each PROG (a name looked up on PATH,
# or a path) goes to DIR/bin/ under its own name (NAME=PROG puts it there as
# NAME), as the real binary: no wrapper script, so /proc/self/exe is the
# program (runc and crun re-execute themselves through it) and a start
# costs no extra exec.
#
# The guest has only a static busybox and Debian links most programs
# dynamically, so a dynamic program's loader and the libraries ldd names go
# to DIR/hostroot/ at the paths they have on the host
# (DIR/hostroot/lib64/ld-linux-x86-64.so.2, ...). The guest's init links
# each file of /mnt/files/hostroot to the same path in the guest's own
# root, where the program's ELF interpreter and the loader's default
# search path look. Libraries loaded with dlopen are not seen by ldd.
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 DIR PROG..." >&2; exit 2; }
dir=$1
shift
mkdir -p "$dir/bin" "$dir/hostroot"

# keep PATH: copy host file PATH to DIR/hostroot/PATH (the file, not a link).
keep() {
	mkdir -p "$dir/hostroot$(dirname "$1")"
	cp -L "$1" "$dir/hostroot$1"
}

for arg in "$@"; do
	name=${arg%%=*} prog=${arg#*=}
	[[ $arg == *=* ]] || name=$(basename "$arg")
	path=$(command -v "$prog") ||
		{ echo "hostbin.sh: no $prog on this host (apt-get install the package that has it)" >&2; exit 1; }
	cp -L "$path" "$dir/bin/$name"
	# ldd fails on a static program: it needs nothing more.
	libs=$(ldd "$path" 2>/dev/null) || continue
	loader=
	# ldd prints "name => /path (addr)" per library and "/path/ld-linux... (addr)"
	# for the loader; "linux-vdso.so.1 (addr)" is the kernel's.
	while read -r a b c _; do
		case $b in
		'=>') if [[ $c == /* ]]; then keep "$c"; else echo "hostbin.sh: $path: ldd found no $a" >&2; exit 1; fi ;;
		*) if [[ $a == /*ld-linux* ]]; then keep "$a"; loader=$a; fi ;;
		esac
	done <<<"$libs"
	[[ -n $loader ]] || { echo "hostbin.sh: ldd $path named no loader" >&2; exit 1; }
done
