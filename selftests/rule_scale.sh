#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The cost of a new connection does not grow with the number of port
# forwards: K new UDP connections through a router with one forward, then
# through one where the same forward is the last of 10,000 (`hairpin
# restore'), alternately, in one boot; the ratio of the best times must
# stay below 3.  The kernel's own NAT (iptables-nft DNAT, 10,000 rules) is
# measured the same way in a third set of namespaces, for comparison only.
#
#   T = 1, 2 (nf_hairpin: one forward, 10,000), k (iptables-nft, both):
#
#   [cli$T] 10.1.0.1/16 ---- 10.1.255.254/16 [r$T] 10.2.0.1/24 ---- [srv$T] 10.2.0.2
#     nfhp_flood: K datagrams from K                         nfhp_flood's
#     source ports, to 10.1.255.254:5000                     receiver, :9
#
#   T=1: dnat add dst 10.1.255.254 proto udp dport 5000 to 10.2.0.2:9
#   T=2: the same after dport 10000..19998 to 10.2.0.2:9, 10,000 rules
#   T=k: iptables-nft -t nat -A PREROUTING -d 10.1.255.254 -p udp
#        --dport 5000 -j DNAT --to-destination 10.2.0.2:9 (+ the same 9,999)
#
# Why 3 catches a linear scan: nfhp_dnat_lookup() hashes (proto, dst,
# dport), so the 10,000 rules cost one bucket walk.  A scan would compare
# each new connection with 10,000 rules of about 100 bytes each (1 MB, more
# than the caches hold): at least ~10 ns a rule natively and several times
# that under QEMU's TCG, i.e. 0.1 ms to 1 ms per connection, against the
# ~0.2 ms that the whole path of a new connection (raw send, two veths,
# routing, the hook, the receiver) takes under TCG.  The time would grow
# by a factor of 1.5 to 6 at the very least; in practice more: the nf_nat
# figures printed below measure the kernel's linear chain of 10,000 rules
# (one nft expression walk per rule) at ~5 ms per new connection under
# TCG, 17 times the cost with one rule, and a C loop over 10,000 rules
# with an interface name, a prefix and a port range to compare is of the
# same order.
. "$(dirname "$0")/lib.sh"
require_datapath
require_flood
require jq

# A timing test: on the debug kernel it would time KASAN and lockdep.
on_debug_kernel && skip "timing test, run on the stock kernel only"

K=${NFHP_SCALE_K:-1000}
ROUNDS=3
RULES=10000
out=$tmp

min() { if [ -z "$1" ] || [ "$(calc "$2 < $1")" = 1 ]; then echo "$2"; else echo "$1"; fi; }

# run T SRC: K new connections from SRC through r$T; sets secs.
run() {
	local t=$1 src=$2 res
	res=$(n "cli$t" "$FLOOD" "$src" 10.1.255.254 5000 "$K" \
		-r "/run/netns/${pfx}srv$t" 9 -w 64 -t 20) ||
		fail "flood through r$t from $src: $res"
	secs=${res##* }
}

# Rule sets: one forward, or it as the last of RULES.
echo "dnat add dst 10.1.255.254 proto udp dport 5000 to 10.2.0.2:9" > "$out/one"
for p in $(seq 10000 $((10000 + RULES - 2))); do
	echo "dnat add dst 10.1.255.254 proto udp dport $p to 10.2.0.2:9"
done > "$out/many"
cat "$out/one" >> "$out/many"
{
	echo "*nat"
	echo ":PREROUTING ACCEPT [0:0]"
	echo "-A PREROUTING -d 10.1.255.254/32 -p udp --dport 5000 -j DNAT --to-destination 10.2.0.2:9"
	echo "COMMIT"
} > "$out/ipt-one"
{
	echo "*nat"
	echo ":PREROUTING ACCEPT [0:0]"
	for p in $(seq 10000 $((10000 + RULES - 2))); do
		echo "-A PREROUTING -d 10.1.255.254/32 -p udp --dport $p -j DNAT --to-destination 10.2.0.2:9"
	done
	echo "-A PREROUTING -d 10.1.255.254/32 -p udp --dport 5000 -j DNAT --to-destination 10.2.0.2:9"
	echo "COMMIT"
} > "$out/ipt-many"

# Two routers, r1 with one forward and r2 with 10,000, measured in turn.
topo_line 1
topo_line 2
t0=$SECONDS
for t in 1 2; do
	# the floods are never answered: they must outlive the test
	check "r$t: udp_unreplied 3600" hp "r$t" timeout set udp_unreplied 3600
done
check "1 forward" hp r1 restore "$out/one"
check "$RULES forwards" hp r2 restore "$out/many"
check_eq "$RULES rules" "$RULES" "$(hp r2 -j dnat list | jq length)"
log "rules loaded in $((SECONDS - t0)) s"
a= b=
for r in $(seq "$ROUNDS"); do
	run 1 "10.1.$r.1"
	log "nf_hairpin, 1 forward: $K connections in $secs s"
	a=$(min "$a" "$secs")
	run 2 "10.1.$r.1"
	log "nf_hairpin, $RULES forwards: $K connections in $secs s"
	b=$(min "$b" "$secs")
done
for t in 1 2; do
	check_eq "r$t: every flood made its connections" $((ROUNDS * K)) \
		"$(hp r$t -j stats | jq .conns)"
done
ratio=$(calc "$b / $a")
log "RESULT nf_hairpin: $K new connections: 1 forward $a s," \
	"$RULES forwards $b s, ratio $(printf %.2f "$ratio")"

# The kernel's NAT, for comparison (not asserted).
t0=$SECONDS
if on_debug_kernel; then
	log "nf_nat comparison left to the stock kernel (timing a debug kernel says little)"
elif command -v iptables-nft-restore >/dev/null && topo_line k; then
	if n rk iptables-nft-restore < "$out/ipt-one"; then
		run k 10.1.1.1
		ka=$secs
		if n rk iptables-nft-restore < "$out/ipt-many"; then
			log "iptables rules loaded in $((SECONDS - t0)) s"
			run k 10.1.101.1
			kb=$secs
			log "RESULT nf_nat (iptables-nft): $K new connections:" \
				"1 rule $ka s, $RULES rules $kb s," \
				"ratio $(printf %.2f "$(calc "$kb / $ka")")"
		fi
	else
		log "iptables-nft-restore failed: no nf_nat comparison"
	fi
else
	log "iptables-nft-restore missing: no nf_nat comparison"
fi

[ "$(calc "$ratio < 3")" = 1 ] ||
	fail "10,000 forwards make new connections $ratio times slower"
log "ok: ratio below 3"
exit $ksft_pass
