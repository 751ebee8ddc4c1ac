#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers for the nf_hairpin selftests, in the style of WireGuard's
# netns.sh: namespaces are created with a per-test prefix, `n NAME CMD...'
# runs CMD in namespace NAME (and echoes it when VERBOSE=1), everything is
# torn down by the EXIT trap.  Source it; set TEST to the test's name.
#
# Exit codes (kselftest): 0 pass, 1 fail, 4 skip.

ksft_pass=0
ksft_fail=1
ksft_skip=4

NFHP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HAIRPIN=${HAIRPIN:-$NFHP_ROOT/tools/hairpin/hairpin}
NFHP_KO=${NFHP_KO:-$NFHP_ROOT/nf_hairpin.ko}
pfx="nfhp$$-"
nss=()

log() { echo "# $*"; }
fail() { echo "# FAIL: $*"; exit $ksft_fail; }
skip() { echo "# SKIP: $*"; exit $ksft_skip; }

require() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || skip "$tool not installed"
	done
}

# ns_add NAME...: create namespaces with loopback up.
ns_add() {
	local ns
	for ns in "$@"; do
		ip netns add "$pfx$ns" || fail "cannot create namespace $ns"
		nss+=("$ns")
		ip -n "$pfx$ns" link set lo up
	done
}

# n NAME CMD...: run CMD in namespace NAME.
n() {
	local ns=$1
	shift
	[ "${VERBOSE:-0}" = 1 ] && echo "# [$ns] $*" >&2
	ip netns exec "$pfx$ns" "$@"
}

ns_cleanup() {
	local ns
	for ns in "${nss[@]}"; do
		ip netns pids "$pfx$ns" 2>/dev/null | xargs -r kill 2>/dev/null
		ip netns del "$pfx$ns" 2>/dev/null
	done
	nss=()
}
trap ns_cleanup EXIT

# check DESCRIPTION CMD...: CMD must succeed.
check() {
	local what=$1
	shift
	"$@" || fail "$what: \`$*' failed"
	log "ok: $what"
}

# check_fails DESCRIPTION CMD...: CMD must fail.
check_fails() {
	local what=$1
	shift
	! "$@" || fail "$what: \`$*' succeeded"
	log "ok: $what"
}

# check_eq DESCRIPTION EXPECTED ACTUAL
check_eq() {
	[ "$2" = "$3" ] || fail "$1: expected \`$2', got \`$3'"
	log "ok: $1 ($3)"
}

module_loaded() { [ -d /sys/module/nf_hairpin ]; }

# The debug kernel (KASAN, lockdep, kmemleak) under QEMU's TCG is about five
# times slower than the stock one: the scale tests run there at a smaller
# size (the same code paths, looking for memory and locking bugs), and the
# full-size figures are asserted on the stock kernel.
on_debug_kernel() { [ "${NFHP_KERNEL:-}" = debug ]; }
