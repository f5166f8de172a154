#!/usr/bin/env bash
# Self-test of tests/vm/run.sh: boots the VM four times and checks that
#  1. the guest is a usable cgroup v2 host (tests/vm/testdata/selftest, built
#     both CGO_ENABLED=0 and as a static cgo binary), and a dynamic host
#     program put in by hostbin.sh (bash) runs there as itself: it re-executes
#     itself through /proc/self/exe, as runc does, and its <(...) finds /dev/fd,
#  2. the command's arguments and exit status go through unchanged,
#  3. --timeout stops the VM and exits 124,
#  4. --cgroup v1 gives v1 hierarchies and no cgroup2.
# Prints "N passed, N failed" and exits non-zero if anything failed.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
run=$here/run.sh

tmp=
cleanup() {
	if [[ -n $tmp ]]; then
		rm -rf -- "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mycontainer-vm-selftest.XXXXXXXX")

passed=0
failed=0
pass() {
	echo "selftest: PASS $*"
	passed=$((passed + 1))
}
fail() {
	echo "selftest: FAIL $*"
	failed=$((failed + 1))
}

# is_static FILE: true if FILE needs no dynamic loader.
is_static() { ! ldd "$1" >/dev/null 2>&1; }

files=$tmp/files
mkdir "$files"
pkg=./tests/vm/testdata/selftest
echo "selftest: building the guest binaries"
(
	cd "$repo"
	CGO_ENABLED=0 go build -trimpath -buildvcs=false -o "$files/selftest" "$pkg"
	CGO_ENABLED=1 go build -trimpath -buildvcs=false -tags netgo,osusergo \
		-ldflags '-extldflags -static' -o "$files/selftest-cgo" "$pkg"
)
for f in selftest selftest-cgo; do
	if is_static "$files/$f"; then
		pass "$f is static"
	else
		fail "$f is dynamically linked"
	fi
done

# 1. The guest checks itself.
"$here/hostbin.sh" "$files" bash
out=$tmp/out1
rc=0
# shellcheck disable=SC2016 # the guest's bash expands it
"$run" --timeout 120 --files "$files" -- \
	sh -c './selftest && ./selftest-cgo -want-cgo && bin/bash -c '\''exec /proc/self/exe -c "cat <(echo PASS)"'\' | tee "$out" || rc=$?
if ((rc == 0)) && (($(grep -cx PASS "$out") == 3)); then
	pass "cgroup v2 guest checks (plain and cgo binaries, the host's bash)"
else
	fail "cgroup v2 guest checks (exit $rc)"
fi

# 2. Arguments and exit status.
out=$tmp/out2
rc=0
# shellcheck disable=SC2016 # '$HOME' must reach the guest unexpanded
"$run" --timeout 120 -- sh -c 'printf "[%s]" "$@"; echo; exit 7' sh \
	"a b" "it's" '$HOME' '' | tee "$out" || rc=$?
want="[a b][it's][\$HOME][]"
if ((rc == 7)) && [[ $(<"$out") == "$want" ]]; then
	pass "arguments and exit status 7 pass through"
else
	fail "arguments and exit status: exit $rc, output '$(<"$out")', want exit 7, '$want'"
fi

# 3. Timeout.
rc=0
"$run" --timeout 2 -- sleep 600 >/dev/null 2>"$tmp/err3" || rc=$?
if ((rc == 124)); then
	pass "--timeout exits 124"
else
	cat "$tmp/err3" >&2
	fail "--timeout: exit $rc, want 124"
fi

# 4. cgroup v1.
out=$tmp/out4
rc=0
"$run" --timeout 120 --cgroup v1 -- sh -c \
	'stat -fc %T /sys/fs/cgroup; grep -c " - cgroup " /proc/self/mountinfo; grep -c " - cgroup2 " /proc/self/mountinfo; true' |
	tee "$out" || rc=$?
# A tmpfs holding 9 v1 hierarchies (8 controllers and name=systemd).
want=$'tmpfs\n9\n0'
if [[ $(<"$out") == "$want" ]]; then
	pass "--cgroup v1 mounts v1 hierarchies and no cgroup2"
else
	fail "--cgroup v1: exit $rc, output '$(<"$out")', want '$want'"
fi

echo "$passed passed, $failed failed"
((failed == 0))
