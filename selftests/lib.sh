#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Shared helpers of the nf_hairpin selftests, in the style of WireGuard's
# netns.sh and the kernel's tools/testing/selftests/net/lib.sh.  Every test
# sources this file first and nothing else:
#
#   log, fail, skip, require         messages; kselftest exit codes
#   ns_add, ns_create, n, ipb,       namespaces with a per-test prefix,
#   ns_cleanup                       torn down by the EXIT trap
#   $tmp, on_exit CMD                a scratch directory; more to undo at exit
#   check, check_fails, check_eq     one assertion, one `# ok:' line
#   slowwait SECS CMD...             poll CMD every 0.1 s until it succeeds
#   hp NS ARGS..., hstat NS NAME     the hairpin command in a namespace
#   calc EXPR                        floating-point arithmetic (awk)
#   on_debug_kernel                  true in the debug kernel's VM
#   veth, router, topo_*             topology builders (pictures below)
#   serve, ask, saw                  nfhp_peer server and client
#   outcome, outcomes, same, warm    nf_hairpin's copy $h against the
#                                    kernel's NAT's copy $k, same boot
#   ipt_nat, ct_invalid              iptables-nft rules, conntrack counters
#   fw4_filter, fw4_nat              an OpenWrt fw4-shaped router
#
# Exit codes (kselftest): 0 pass, 1 fail, 4 skip.
#
# Every command costs tens of milliseconds under QEMU's TCG, more on the
# debug kernel: topologies are built with one `ip -batch' per namespace,
# the peers enter their namespace themselves (-n), and a failure is proved
# with a short explicit timeout, never by waiting for a default one.

ksft_pass=0
ksft_fail=1
ksft_skip=4

NFHP_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
HAIRPIN=${HAIRPIN:-$NFHP_ROOT/tools/hairpin/hairpin}
NFHP_KO=${NFHP_KO:-$NFHP_ROOT/nf_hairpin.ko}
PEER=$NFHP_ROOT/selftests/nfhp_peer
FLOOD=$NFHP_ROOT/selftests/nfhp_flood
pfx="nfhp$$-"
nss=()
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nfhp-test.XXXXXX") || exit 1
exit_cmds=()

log() { echo "# $*"; }
fail() { echo "# FAIL: $*"; exit $ksft_fail; }
skip() { echo "# SKIP: $*"; exit $ksft_skip; }

require() {
	local tool
	for tool in "$@"; do
		command -v "$tool" >/dev/null || skip "$tool not installed"
	done
}

# The datapath tests need the peer and the hairpin command; the flood
# tests nfhp_flood too.
require_datapath() {
	[ -x "$PEER" ] || skip "nfhp_peer not built (make -C selftests)"
	[ -x "$HAIRPIN" ] || skip "hairpin not built (make cli)"
}
require_flood() {
	[ -x "$FLOOD" ] || skip "nfhp_flood not built (make -C selftests)"
}

module_loaded() { [ -d /sys/module/nf_hairpin ]; }

# The debug kernel (KASAN, lockdep, kmemleak) under QEMU's TCG is about five
# times slower than the stock one: it is there for memory and locking bugs,
# so the scale tests run there at a smaller size (the same code paths), and
# the full-size figures and the timing assertions are left to the stock
# kernel.
on_debug_kernel() { [ "${NFHP_KERNEL:-}" = debug ]; }

# ---- assertions ----

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

# slowwait SECS CMD...: run CMD every 0.1 s until it succeeds (status 0)
# or SECS (whole) seconds have passed (status 1), as slowwait in the
# kernel's net/lib.sh; the clock is bash's, not a process a round.
slowwait() {
	local now=${EPOCHREALTIME/[.,]/} deadline
	deadline=$((10#$now + $1 * 1000000))
	shift
	while :; do
		"$@" && return 0
		now=${EPOCHREALTIME/[.,]/}
		[ $((10#$now)) -lt "$deadline" ] || return 1
		nap
	done
}

# nap: sleep 0.1 s without a process (`sleep' is one, 0.25 s of the debug
# kernel's time): a read that times out on a FIFO nobody writes to.
nap() {
	if [ -z "${nap_fd:-}" ]; then
		# (Two subshells of one test may get here at once.)
		{ mkfifo "$tmp/nap" 2>/dev/null || [ -p "$tmp/nap" ]; } &&
			exec {nap_fd}<> "$tmp/nap" ||
			fail "cannot make $tmp/nap"
	fi
	read -rt 0.1 -u "$nap_fd"
	return 0
}

# calc EXPR: floating-point arithmetic, e.g. `calc "$a / $b"'.
calc() { awk "BEGIN { print ($*) }"; }

# ---- namespaces ----

# ns_create NAME...: create namespaces, one `ip' for all; their loopback
# is down (the topology builders bring it up in their batch, ipb).
ns_create() {
	printf "netns add $pfx%s\n" "$@" | ip -b - || fail "cannot create namespaces $*"
	nss+=("$@")
}

# ns_add NAME...: create namespaces with loopback up.
ns_add() {
	local ns
	ns_create "$@"
	for ns in "$@"; do
		ip -n "$pfx$ns" link set lo up || fail "lo up in $ns"
	done
}

# n NAME CMD...: run CMD in namespace NAME.
n() {
	local ns=$1
	shift
	[ "${VERBOSE:-0}" = 1 ] && echo "# [$ns] $*" >&2
	ip netns exec "$pfx$ns" "$@"
}

# ipb NAME: run the `ip' commands on stdin, one a line, in namespace NAME
# ("" for the initial one): one process for a whole configuration.
ipb() {
	if [ -n "$1" ]; then
		ip -n "$pfx$1" -b - || fail "ip -batch in $1 failed"
	else
		ip -b - || fail "ip -batch failed"
	fi
}

# Kill every process in our namespaces (servers, monitors, the children of
# a TCP server), found in one pass over /proc, then delete them all.
ns_cleanup() {
	local p ns pids=()
	[ "${#nss[@]}" -gt 0 ] || return 0
	for p in /proc/[0-9]*; do
		for ns in "${nss[@]}"; do
			if [ "$p/ns/net" -ef "/run/netns/$pfx$ns" ]; then
				pids+=("${p#/proc/}")
				break
			fi
		done
	done
	[ "${#pids[@]}" -gt 0 ] && kill "${pids[@]}" 2>/dev/null
	printf "netns del $pfx%s\n" "${nss[@]}" | ip -force -b - 2>/dev/null
	nss=()
}

# on_exit CMD...: run CMD at exit (in the order given), before the
# namespaces and $tmp go.
on_exit() { exit_cmds+=("$*"); }

lib_exit() {
	local c
	for c in "${exit_cmds[@]}"; do
		eval "$c"
	done
	ns_cleanup
	rm -rf "$tmp"
}
trap lib_exit EXIT

# ---- the hairpin command ----

# hp NS ARGS...: hairpin in namespace NS (its own -n option).
hp() {
	local ns=$1
	shift
	"$HAIRPIN" -n "$pfx$ns" "$@"
}

# hstat NS NAME: one counter of `hairpin stats' (its text form: one
# `name value' a line, read without a jq process).
hstat() {
	local name value
	while read -r name value; do
		[ "$name" = "$2" ] && { echo "$value"; return 0; }
	done < <(hp "$1" stats)
	return 1
}

# ---- topologies ----

# veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
veth() {
	ip link add "$2" netns "$pfx$1" type veth peer name "$4" netns "$pfx$3" ||
		fail "veth $1:$2 - $3:$4"
	ip -n "$pfx$1" link set "$2" up
	ip -n "$pfx$3" link set "$4" up
}

# router NS: forward IPv4.
router() {
	n "$1" sysctl -qw net.ipv4.ip_forward=1
}

# Every builder takes a TAG that suffixes its namespace names, so that two
# copies (one NATed by nf_hairpin, one by the kernel's own NAT) can live
# side by side in one boot (differential.sh).

# One router, its LAN a switch with the server and a client on it:
#
#   [inet$T] 2.2.2.2 ---- WAN 1.1.1.1 [r$T] LAN 192.168.1.1
#                                            |
#                                     [sw$T] br0 (switch)
#                                      |             |
#                   [srv$T] 192.168.1.2:80   [lan$T] 192.168.1.10
topo_one_lan() {
	local t=$1
	ns_create "r$t" "inet$t" "sw$t" "srv$t" "lan$t"
	ipb "" <<-EOF
	link add WAN netns ${pfx}r$t type veth peer name eth0 netns ${pfx}inet$t
	link add LAN netns ${pfx}r$t type veth peer name p0 netns ${pfx}sw$t
	link add p1 netns ${pfx}sw$t type veth peer name eth0 netns ${pfx}srv$t
	link add p2 netns ${pfx}sw$t type veth peer name eth0 netns ${pfx}lan$t
	EOF
	ipb "sw$t" <<-EOF
	link set lo up
	link add br0 type bridge
	link set p0 master br0 up
	link set p1 master br0 up
	link set p2 master br0 up
	link set br0 up
	EOF
	ipb "r$t" <<-EOF
	link set lo up
	link set WAN up
	link set LAN up
	addr add 1.1.1.1/24 dev WAN
	route add 2.2.2.2/32 dev WAN
	route add default via 2.2.2.2 dev WAN
	addr add 192.168.1.1/24 dev LAN
	EOF
	ipb "inet$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 2.2.2.2/24 dev eth0
	route add 1.1.1.1/32 dev eth0
	route add default via 1.1.1.1
	EOF
	ipb "srv$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 192.168.1.2/24 dev eth0
	route add default via 192.168.1.1
	EOF
	ipb "lan$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 192.168.1.10/24 dev eth0
	route add default via 192.168.1.1
	EOF
	router "r$t"
}

# An OpenWrt-style router whose LAN ports are bridged on the router itself
# (br-lan):
#
#   [inet$T] 203.0.113.7 ---- wan 82.120.11.22 [r$T] br-lan 192.168.1.1
#                                                     (bridge: lan1 lan2)
#                                                      |            |
#                              [srv$T] 192.168.1.200:80   [lan$T] 192.168.1.10
topo_br_lan() {
	local t=$1
	ns_create "r$t" "inet$t" "srv$t" "lan$t"
	ipb "" <<-EOF
	link add wan netns ${pfx}r$t type veth peer name eth0 netns ${pfx}inet$t
	link add lan1 netns ${pfx}r$t type veth peer name eth0 netns ${pfx}srv$t
	link add lan2 netns ${pfx}r$t type veth peer name eth0 netns ${pfx}lan$t
	EOF
	ipb "r$t" <<-EOF
	link set lo up
	link add br-lan type bridge
	link set lan1 master br-lan up
	link set lan2 master br-lan up
	link set br-lan up
	link set wan up
	addr add 82.120.11.22/24 dev wan
	route add 203.0.113.7/32 dev wan
	route add default via 203.0.113.7 dev wan
	addr add 192.168.1.1/24 dev br-lan
	EOF
	ipb "inet$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 203.0.113.7/24 dev eth0
	route add 82.120.11.22/32 dev eth0
	route add default via 82.120.11.22
	EOF
	ipb "srv$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 192.168.1.200/24 dev eth0
	route add default via 192.168.1.1
	EOF
	ipb "lan$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 192.168.1.10/24 dev eth0
	route add default via 192.168.1.1
	EOF
	router "r$t"
}

# A router on three networks: the Internet, a DMZ (a switch with the
# server and a client) and a trusted LAN:
#
#                 [inet$T] 123.45.6.7
#                        |
#                  ext 100.0.0.254
#   [r$T] dmz 172.16.0.254          trusted 192.168.0.254
#              |                              |
#       [dsw$T] br0 (switch)          [tcli$T] 192.168.0.2
#        |               |
#   [srv$T] 172.16.0.1:80   [dcli$T] 172.16.0.2
topo_three_networks() {
	local t=$1
	ns_create "r$t" "inet$t" "dsw$t" "srv$t" "dcli$t" "tcli$t"
	ipb "" <<-EOF
	link add ext netns ${pfx}r$t type veth peer name eth0 netns ${pfx}inet$t
	link add dmz netns ${pfx}r$t type veth peer name p0 netns ${pfx}dsw$t
	link add p1 netns ${pfx}dsw$t type veth peer name eth0 netns ${pfx}srv$t
	link add p2 netns ${pfx}dsw$t type veth peer name eth0 netns ${pfx}dcli$t
	link add trusted netns ${pfx}r$t type veth peer name eth0 netns ${pfx}tcli$t
	EOF
	ipb "dsw$t" <<-EOF
	link set lo up
	link add br0 type bridge
	link set p0 master br0 up
	link set p1 master br0 up
	link set p2 master br0 up
	link set br0 up
	EOF
	ipb "r$t" <<-EOF
	link set lo up
	link set ext up
	link set dmz up
	link set trusted up
	addr add 100.0.0.254/24 dev ext
	route add 123.45.6.7/32 dev ext
	route add default via 123.45.6.7 dev ext
	addr add 172.16.0.254/24 dev dmz
	addr add 192.168.0.254/24 dev trusted
	EOF
	ipb "inet$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 123.45.6.7/24 dev eth0
	route add 100.0.0.254/32 dev eth0
	route add default via 100.0.0.254
	EOF
	ipb "srv$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 172.16.0.1/24 dev eth0
	route add default via 172.16.0.254
	EOF
	ipb "dcli$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 172.16.0.2/24 dev eth0
	route add default via 172.16.0.254
	EOF
	ipb "tcli$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 192.168.0.2/24 dev eth0
	route add default via 192.168.0.254
	EOF
	router "r$t"
}

# A client, a router and a server in a line, for the flood tests (one
# datagram from each of many source ports):
#
#   [cli$T] 10.1.0.1/16 ---- 10.1.255.254/16 [r$T] 10.2.0.1/24 ---- [srv$T] 10.2.0.2
#                       eth0  c0                    s0  eth0
#
# The client sends from 10.1.0.x addresses it does not own (rp_filter off
# on the router); the neighbours are resolved before the flood, as an
# unresolved one queues only a few packets.
topo_line() {
	local t=$1
	ns_create "cli$t" "r$t" "srv$t"
	ipb "" <<-EOF
	link add eth0 netns ${pfx}cli$t type veth peer name c0 netns ${pfx}r$t
	link add s0 netns ${pfx}r$t type veth peer name eth0 netns ${pfx}srv$t
	EOF
	ipb "cli$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 10.1.0.1/16 dev eth0
	route add default via 10.1.255.254
	EOF
	ipb "r$t" <<-EOF
	link set lo up
	link set c0 up
	link set s0 up
	addr add 10.1.255.254/16 dev c0
	addr add 10.2.0.1/24 dev s0
	EOF
	ipb "srv$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 10.2.0.2/24 dev eth0
	route add default via 10.2.0.1
	EOF
	n "r$t" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.c0.rp_filter=0
	n "cli$t" ping -qc1 -W2 10.1.255.254 >/dev/null || fail "cli$t cannot reach r$t"
	n "r$t" ping -qc1 -W2 10.2.0.2 >/dev/null || fail "r$t cannot reach srv$t"
}

# ---- peers (nfhp_peer) ----

# serve NS tcp|udp ADDR PORT: an nfhp_peer server; it is listening when
# this returns (the server goes to the background once it is).
serve() {
	local ns=$1
	shift
	"$PEER" -n "$pfx$ns" server "$@" ||
		fail "server $* in $ns did not start"
}

# ask NS tcp|udp ADDR PORT [-t SECS] [-b ADDR:PORT] [-s BYTES]: an
# nfhp_peer client; prints the server's answer, fails without one.  Where
# a connection must fail, give a short -t: a failure is proved by the
# timeout, and a connection that works answers in milliseconds.
ask() {
	local ns=$1
	shift
	[ "${VERBOSE:-0}" = 1 ] && echo "# [$ns] nfhp_peer client $*" >&2
	"$PEER" -n "$pfx$ns" client "$@"
}

# saw NS ARGS...: the address the server saw (the address part of its
# answer); empty if there was no answer.
saw() {
	local out
	out=$(ask "$@" 2>/dev/null)
	out=${out%%$'\n'*}
	echo "${out%%:*}"
}

# ---- a held TCP connection (nfhp_tcp.py client) ----

TCPH=$NFHP_ROOT/selftests/nfhp_tcp.py

# held_start T...: in each copy T, an echo server on srv$T:80 and a client
# in inet$T that connects from 2.2.2.2:40000 to 1.1.1.1:80 and holds the
# connection, acting on the commands written to $tmp/T/cmd and logging to
# $tmp/T/out (see nfhp_tcp.py).
held_start() {
	local t
	for t in "$@"; do
		n "srv$t" socat TCP-LISTEN:80,reuseaddr,fork SYSTEM:cat &
		mkdir "$tmp/$t" && mkfifo "$tmp/$t/cmd" && : > "$tmp/$t/out"
	done
	for t in "$@"; do
		slowwait 10 n "srv$t" sh -c 'ss -Hltn | grep -q ":80 "' ||
			fail "echo server in srv$t"
		n "inet$t" python3 "$TCPH" client 1.1.1.1 80 40000 "$tmp/$t" &
	done
}

# held_result T WORD: the client of copy T logged WORD as its last line.
held_result() { [ "$(tail -n1 "$tmp/$1/out")" = "$2" ]; }

# held_ping T: a line there and back through copy T; `ok' or `fail'.
held_ping() {
	local n0
	n0=$(wc -l < "$tmp/$1/out")
	echo ping > "$tmp/$1/cmd"
	slowwait 5 sh -c "[ \$(wc -l < $tmp/$1/out) -gt $n0 ]" ||
		{ echo fail; return; }
	tail -n1 "$tmp/$1/out" | cut -d' ' -f1
}

# ---- nf_hairpin against the kernel's NAT, in the same boot ----
#
# A test builds every topology twice: routers r$h NATed by nf_hairpin,
# routers r$k by the kernel's own NAT (iptables-nft or nft), and compares
# the outcomes (differential.sh, router_firewall.sh, docker_masquerade.sh,
# port_clash.sh).
h=h
k=k

# outcome NS ARGS...: what the server saw, or "no connection".  Every
# path was warmed up (see warm) and answers in milliseconds when it works:
# 1 s proves that it does not.
outcome() {
	local a
	a=$(saw "$@" -t 1)
	echo "${a:-no connection}"
}

# both_ways CMD ARGS...: `CMD T ARGS...' for T = $k and $h at once (a
# connection that fails costs its timeout once); what they print in
# $theirs (the kernel's NAT) and $ours (nf_hairpin).
both_ways() {
	"$1" $k "${@:2}" > "$tmp/theirs" &
	ours=$("$1" $h "${@:2}")
	wait $!
	theirs=$(cat "$tmp/theirs")
}

# outcome_of T NSBASE ARGS...: outcome NSBASE$T ARGS...
outcome_of() { outcome "$2$1" "${@:3}"; }

# outcomes NSBASE tcp|udp ADDR PORT: the outcome through each router, in
# $ours (nf_hairpin's) and $theirs (the kernel's NAT).
outcomes() { both_ways outcome_of "$@"; }

# same DESCRIPTION NSBASE tcp|udp ADDR PORT: the two routers agree.
same() {
	local what=$1
	shift
	outcomes "$@"
	check_eq "$what: nf_hairpin as the kernel's NAT" "$theirs" "$ours"
}

# warm NSBASE SERVER-ADDR...: each client of both copies reaches the
# server directly (no NAT), so that neighbours are resolved and a failure
# below is the NAT's.
warm() {
	local ns=$1 a t
	shift
	for t in $h $k; do
		for a in "$@"; do
			[ -n "$(saw "$ns$t" tcp "$a" 80)" ] ||
				fail "$ns$t cannot reach the server at $a"
		done
	done
}

# scenario LABEL EXPECTED DESCRIPTION NSBASE tcp|udp ADDR PORT: the
# kernel's NAT gives EXPECTED (else the test itself is wrong: fail) and
# nf_hairpin the same (a soft check, see expect_eq); one row of the table
# scenario_table prints as `# info' lines.  scenario_of: the same with
# the outcomes of both_ways CMD ARGS... instead.
scenario_rows=()
scenario() { scenario_of "$1" "$2" "$3" outcome_of "${@:4}"; }
scenario_of() {
	local label=$1 want=$2 what=$3 verdict=same
	shift 3
	both_ways "$@"
	[ "$theirs" = "$want" ] ||
		fail "$label: $what: the kernel's NAT gave \`$theirs', not \`$want'"
	expect_eq "$label: $what: nf_hairpin as the kernel's NAT" "$theirs" "$ours"
	[ "$ours" = "$theirs" ] || verdict=DIFFERENT
	scenario_rows+=("$(printf '%-7s  %-40s  %-15s  %-15s  %s' "$label" \
		"$what" "$ours" "$theirs" "$verdict")")
}
scenario_table() {
	local row
	log "$(printf 'info: %-7s  %-40s  %-15s  %-15s' "" scenario nf_hairpin \
		"kernel NAT")"
	for row in "${scenario_rows[@]}"; do
		log "info: $row"
	done
}

# ipt_nat NS: the nat table rules on stdin (`-A ...' lines, `:CHAIN -'
# to create one) added to NS's, one iptables-nft process for all.
ipt_nat() {
	{ echo "*nat"; cat; echo "COMMIT"; } |
		n "$1" iptables-nft-restore --noflush || fail "iptables-nft-restore in $1"
}

# ct_invalid NS: the invalid packets nf_conntrack counted in NS (the sum
# of `conntrack -S' over the CPUs).
ct_invalid() {
	n "$1" conntrack -S 2>/dev/null |
		awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^invalid=/) {
			sub(/^invalid=/, "", $i); s += $i } } END { print s + 0 }'
}

# ct_count NS ARGS...: how many entries `conntrack -L ARGS' shows in NS.
ct_count() {
	n "$1" conntrack -L "${@:2}" 2>/dev/null | grep -c .
}

# ct_once LABEL DESCRIPTION ARGS...: `conntrack -L ARGS' shows exactly one
# entry in each router, r$k and r$h (a soft check).
ct_once() {
	local label=$1 what=$2 t eng
	shift 2
	for t in $k $h; do
		eng=nf_hairpin
		[ "$t" = "$k" ] && eng="the kernel's NAT"
		expect_eq "$label, $eng: conntrack: $what, once" 1 \
			"$(ct_count "r$t" "$@")"
	done
}

# one_lan_scenarios LABEL: the forward, reflection and masquerade of
# topo_one_lan's routers (1.1.1.1:80 to 192.168.1.2, TCP and UDP; a
# masquerade out of WAN; servers on srv:80 and inet:8080), as scenarios.
one_lan_scenarios() {
	scenario "$1" 2.2.2.2 "Internet client -> forward, tcp" inet tcp 1.1.1.1 80
	scenario "$1" 2.2.2.2 "Internet client -> forward, udp" inet udp 1.1.1.1 80
	scenario "$1" 192.168.1.1 "LAN client -> public address, tcp" lan tcp 1.1.1.1 80
	scenario "$1" 192.168.1.1 "LAN client -> public address, udp" lan udp 1.1.1.1 80
	scenario "$1" 1.1.1.1 "LAN host -> Internet (masquerade), tcp" lan tcp 2.2.2.2 8080
	scenario "$1" 1.1.1.1 "LAN host -> Internet (masquerade), udp" lan udp 2.2.2.2 8080
}

# one_lan_conntrack LABEL: after one_lan_scenarios (and a conntrack -F
# before), each router's conntrack shows each of those connections once,
# with its translation; nf_hairpin's shows no entry with an untranslated
# reply tuple and no server's answer taken for a new connection.
one_lan_conntrack() {
	ct_once "$1" "forward, DNAT, replied by 192.168.1.2" -p tcp -s 2.2.2.2 \
		-d 1.1.1.1 --dport 80 -r 192.168.1.2 -q 2.2.2.2 --dst-nat
	ct_once "$1" "forward (udp), DNAT, replied by 192.168.1.2" -p udp \
		-s 2.2.2.2 -d 1.1.1.1 --dport 80 -r 192.168.1.2 -q 2.2.2.2 --dst-nat
	ct_once "$1" "reflection, DNAT and SNAT to 192.168.1.1" -p tcp \
		-s 192.168.1.10 -d 1.1.1.1 --dport 80 -r 192.168.1.2 \
		-q 192.168.1.1 --dst-nat --src-nat
	ct_once "$1" "reflection (udp), DNAT and SNAT to 192.168.1.1" -p udp \
		-s 192.168.1.10 -d 1.1.1.1 --dport 80 -r 192.168.1.2 \
		-q 192.168.1.1 --dst-nat --src-nat
	ct_once "$1" "masquerade, SNAT to 1.1.1.1" -p tcp -s 192.168.1.10 \
		-d 2.2.2.2 --dport 8080 -r 2.2.2.2 -q 1.1.1.1 --src-nat
	ct_once "$1" "masquerade (udp), SNAT to 1.1.1.1" -p udp -s 192.168.1.10 \
		-d 2.2.2.2 --dport 8080 -r 2.2.2.2 -q 1.1.1.1 --src-nat
	expect_eq "$1, nf_hairpin: conntrack: masquerade with an untranslated reply" \
		0 "$(ct_count r$h -s 192.168.1.10 -d 2.2.2.2 -q 192.168.1.10)"
	expect_eq "$1, nf_hairpin: conntrack: an Internet server's answer as a connection" \
		0 "$(ct_count r$h -s 2.2.2.2 --sport 8080)"
	expect_eq "$1, nf_hairpin: conntrack: the LAN server's answer as a connection" \
		0 "$(ct_count r$h -s 192.168.1.2 --sport 80)"
}

# ---- an OpenWrt router's firewall (fw4) ----
#
# fw4_filter NS LAN WAN [DOCKER]: the filter of OpenWrt's firewall4 as its template
# (firewall4's root/usr/share/firewall4/templates/ruleset.uc) renders it
# for the default configuration: zone lan (input, output, forward accept),
# zone wan (input and forward reject, masquerade), forwarding lan -> wan,
# defaults input and forward reject (a drop policy, then handle_reject);
# reduced to what a forward needs:
# no IPv6, ICMP, DHCP renewal or flow offload rules.  `ct status dnat
# accept' is what fw4 puts in a zone's input and forward chains once a
# redirect (port forward) targets that zone ("!fw4: Accept port
# redirections", "!fw4: Accept port forwards").  With DOCKER, the zone
# OpenWrt's dockerd package adds for that bridge: input and forward
# accepted, forwarding to wan.
fw4_filter() {
	local ns=$1 lan=$2 wan=$3 dk=${4:-}
	local ji= jf= chains=
	if [ -n "$dk" ]; then
		ji="iifname \"$dk\" jump input_docker"
		jf="iifname \"$dk\" jump forward_docker"
		chains="
		chain input_docker {
			iifname \"$dk\" counter accept comment \"!fw4: accept docker IPv4/IPv6 traffic\"
		}
		chain forward_docker {
			jump accept_to_wan comment \"!fw4: Accept docker to wan forwarding\"
			oifname \"$dk\" counter accept comment \"!fw4: accept docker IPv4/IPv6 traffic\"
		}"
	fi
	n "$ns" nft -f - <<-EOF || fail "fw4 filter in $ns"
	table inet fw4
	flush table inet fw4
	table inet fw4 {
		chain input {
			type filter hook input priority filter; policy drop;
			iifname "lo" accept comment "!fw4: Accept traffic from loopback"
			ct state established,related accept comment "!fw4: Allow inbound established and related flows"
			iifname "$lan" jump input_lan comment "!fw4: Handle lan IPv4/IPv6 input traffic"
			iifname "$wan" jump input_wan comment "!fw4: Handle wan IPv4/IPv6 input traffic"
			$ji
			jump handle_reject
		}
		chain forward {
			type filter hook forward priority filter; policy drop;
			ct state established,related accept comment "!fw4: Allow forwarded established and related flows"
			iifname "$lan" jump forward_lan comment "!fw4: Handle lan IPv4/IPv6 forward traffic"
			iifname "$wan" jump forward_wan comment "!fw4: Handle wan IPv4/IPv6 forward traffic"
			$jf
			jump handle_reject
		}
		chain handle_reject {
			meta l4proto tcp reject with tcp reset comment "!fw4: Reject TCP traffic"
			reject comment "!fw4: Reject any other traffic"
		}
		chain input_lan {
			jump accept_from_lan
		}
		chain forward_lan {
			jump accept_to_wan comment "!fw4: Accept lan to wan forwarding"
			jump accept_to_lan
		}
		chain accept_from_lan {
			iifname "$lan" counter accept comment "!fw4: accept lan IPv4/IPv6 traffic"
		}
		chain accept_to_lan {
			oifname "$lan" counter accept comment "!fw4: accept lan IPv4/IPv6 traffic"
		}
		chain input_wan {
			ct status dnat accept comment "!fw4: Accept port redirections"
			jump reject_from_wan
		}
		chain forward_wan {
			ct status dnat accept comment "!fw4: Accept port forwards"
			jump reject_to_wan
		}
		chain accept_to_wan {
			oifname "$wan" counter accept comment "!fw4: accept wan IPv4/IPv6 traffic"
		}
		chain reject_from_wan {
			iifname "$wan" counter jump handle_reject comment "!fw4: reject wan IPv4/IPv6 traffic"
		}
		chain reject_to_wan {
			oifname "$wan" counter jump handle_reject comment "!fw4: reject wan IPv4/IPv6 traffic"
		}$chains
	}
	EOF
}

# fw4_nat NS LAN WAN LANNET ROUTER-LAN-ADDR PUBLIC SERVER PROTO PORT...:
# the NAT chains fw4 renders (ruleset.uc's dstnat and srcnat chains, the
# rules as templates/redirect.uc writes them), in the same table, for a
# port forward (a redirect from wan with reflection on, its default) of
# PUBLIC:PORT to
# SERVER and the wan zone's masquerade: `dnat' in dstnat_wan, the
# reflection's `dnat' in dstnat_lan and `snat' to the router's LAN
# address in srcnat_lan, `masquerade' in srcnat_wan.
fw4_nat() {
	local ns=$1 lan=$2 wan=$3 net=$4 raddr=$5 pub=$6 srv=$7 proto port
	local dwan= dlan= slan=
	shift 7
	while [ "$#" -ge 2 ]; do
		proto=$1 port=$2
		shift 2
		dwan+="ip daddr $pub $proto dport $port dnat ip to $srv:$port comment \"!fw4: fwd-$proto-$port\""$'\n'
		dlan+="ip saddr $net ip daddr $pub $proto dport $port dnat ip to $srv:$port comment \"!fw4: fwd-$proto-$port (reflection)\""$'\n'
		slan+="ip saddr $net ip daddr $srv $proto dport $port snat ip to $raddr comment \"!fw4: fwd-$proto-$port (reflection)\""$'\n'
	done
	n "$ns" nft -f - <<-EOF || fail "fw4 NAT in $ns"
	table inet fw4 {
		chain dstnat {
			type nat hook prerouting priority dstnat; policy accept;
			iifname "$lan" jump dstnat_lan comment "!fw4: Handle lan IPv4/IPv6 dstnat traffic"
			iifname "$wan" jump dstnat_wan comment "!fw4: Handle wan IPv4/IPv6 dstnat traffic"
		}
		chain srcnat {
			type nat hook postrouting priority srcnat; policy accept;
			oifname "$lan" jump srcnat_lan comment "!fw4: Handle lan IPv4/IPv6 srcnat traffic"
			oifname "$wan" jump srcnat_wan comment "!fw4: Handle wan IPv4/IPv6 srcnat traffic"
		}
		chain dstnat_lan {
			$dlan
		}
		chain srcnat_lan {
			$slan
		}
		chain dstnat_wan {
			$dwan
		}
		chain srcnat_wan {
			meta nfproto ipv4 masquerade comment "!fw4: Masquerade IPv4 wan traffic"
		}
	}
	EOF
}

# Soft assertions, for a test that prints a whole table of outcomes
# before it fails: expect_eq and expect count a failure and go on,
# expect_done fails the test if there was one.
soft_failures=0
expect_eq() {
	if [ "$2" = "$3" ]; then
		log "ok: $1 ($3)"
	else
		log "FAIL: $1: expected \`$2', got \`$3'"
		soft_failures=$((soft_failures + 1))
	fi
}
expect() {
	local what=$1
	shift
	if "$@"; then
		log "ok: $what"
	else
		log "FAIL: $what: \`$*' failed"
		soft_failures=$((soft_failures + 1))
	fi
}
expect_done() {
	[ "$soft_failures" = 0 ] || fail "$soft_failures checks failed (above)"
}
