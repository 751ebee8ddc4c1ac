#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# RFC 4787 behaviour discovery by a third-party RFC 5780 client: coturn's
# turnutils_natdiscovery (Debian's coturn package) against coturn's
# turnserver --stun-only with two addresses and two ports, behind
# nf_hairpin's masquerade (routers r$h) and, in the same boot, behind the
# kernel's NAT under OpenWrt's fw4 (routers r$k: lib.sh fw4_filter and
# fw4_nat, nftables masquerade):
#
#   [inet] 203.0.113.7 and .8 ---- wan 82.120.11.22 [r] br-lan 192.168.1.1
#   STUN, ports 3478 and 3479                          (bridge: lan1 lan2)
#                                                        |            |
#                                       [srv] 192.168.1.200   [lan] 192.168.1.10
#
# (topo_br_lan, with a second address on the Internet host.)
# The client's verdicts, one line per requirement, judged on nf_hairpin
# (the kernel's beside it, `# info', never judged):
#   REQ-1   mapping of srv (port 40000), then of lan from the same port
#           while srv holds it: endpoint-independent; srv keeps its port
#           (REQ-3, port preservation), lan gets another of the same
#           parity (REQ-4)
#   REQ-8   filtering: address-and-port-dependent by default, endpoint-
#           independent with `hairpin config set filtering
#           endpoint-independent'
#   REQ-9   hairpinning (a second socket of srv's sends to srv's mapping)
#   REQ-5   mapping lifetime: the udp timeout as configured (4 s here on
#           both routers: alive after 1 s, gone after 10 s); the default
#           at least 120 s
#   REQ-10  no ALG rewrote the STUN answer's MAPPED-ADDRESS
#   REQ-14  the mapping and filtering discovery again with 1500 bytes of
#           PADDING: the requests leave srv fragmented (counted), the
#           verdicts are the same
# The server's own behaviour is checked first, with no NAT in the way.
. "$(dirname "$0")/lib.sh"
require_datapath
require turnserver turnutils_natdiscovery nft jq

PUB=82.120.11.22
S1=203.0.113.7
S2=203.0.113.8

# stun_start NS: turnserver in NS, STUN only, on $S1 and $S2, ports 3478
# and 3479 (RFC 5780's alternate address and port), no configuration
# file, TLS, CLI or TCP; it writes only to $tmp.
stun_start() {
	n "$1" turnserver -n --stun-only -L $S1 -L $S2 -p 3478 \
		--alt-listening-port 3479 --no-tls --no-dtls --no-tcp --no-cli \
		--no-software-attribute --log-file stdout --simple-log \
		--pidfile "$tmp/$1.pid" --db "$tmp/$1.db" > "$tmp/$1.log" 2>&1 &
}
stun_ready() {
	local l
	l=$(n "$1" ss -Hlun)
	[[ $l == *"$S1:3478 "* && $l == *"$S1:3479 "* &&
		$l == *"$S2:3478 "* && $l == *"$S2:3479 "* ]]
}

# disc NS PORT OPTIONS...: turnutils_natdiscovery in NS from its address
# and PORT; its output in $tmp/NS.PORT.
disc() {
	local addr=192.168.1.200
	[ "${1:0:3}" = lan ] && addr=192.168.1.10
	n "$1" turnutils_natdiscovery "${@:3}" -L $addr -l "$2" $S1 \
		> "$tmp/$1.$2" 2>&1
}

# The client's verdicts, from $tmp/NS.PORT.
mapping() {
	local v
	v=$(grep -o 'NAT with .* Mapping' "$tmp/$1.$2" | tail -n1)
	echo "${v:-no verdict}" | sed 's/^NAT with //'
}
filtering() {
	local v
	v=$(grep -o 'NAT with .* Filtering' "$tmp/$1.$2" | tail -n1)
	echo "${v:-no verdict}" | sed 's/^NAT with //'
}
hairpinning() {
	if grep -q 'Received a request (maybe a successful hairpinning)' \
		"$tmp/$1.$2"; then
		echo "hairpinning"
	else
		echo "no hairpinning"
	fi
}
# lifetime NS PORT: the second answer (to the first socket's mapping,
# RESPONSE-PORT) arrived after the wait: the mapping was alive.
lifetime() {
	if [ "$(grep -c 'UDP reflexive addr' "$tmp/$1.$2")" = 2 ]; then
		echo alive
	else
		echo gone
	fi
}
# alg NS PORT: whether an ALG rewrote the mapped address in the payload
# (MAPPED-ADDRESS, in clear, differs from XOR-MAPPED-ADDRESS).
alg() {
	if grep -q 'ALG detected' "$tmp/$1.$2"; then
		echo "ALG rewrote MAPPED-ADDRESS"
	elif grep -q 'No ALG' "$tmp/$1.$2"; then
		echo "no ALG"
	else
		echo "no verdict"
	fi
}
# reflexive NS PORT: the first mapped address the server reported.
reflexive() {
	grep -m1 -o 'UDP reflexive addr: *[0-9.:]*' "$tmp/$1.$2" |
		sed 's/.*addr: *//'
}

# frags NS: the fragments NS's stack made (Ip FragCreates).
frags() {
	n "$1" awk '/^Ip:/ { if (!n++) { for (i = 1; i <= NF; i++)
		if ($i == "FragCreates") c = i } else print $c }' /proc/net/snmp
}

parity() {
	[ -n "$1" ] || { echo "no port"; return; }
	[ $(($1 % 2)) = 0 ] && echo even || echo odd
}

# The requirement table, printed at the end as `# info' lines.
rows=()
row() { rows+=("$(printf '%-46s  %-32s  %s' "$1" "$2" "$3")"); }
# judge LABEL EXPECTED OURS THEIRS: nf_hairpin must give EXPECTED (a soft
# check); the kernel's NAT's outcome is reported.
judge() {
	expect_eq "$1: nf_hairpin" "$2" "$3"
	row "$1" "$3" "$4"
}

for t in $h $k; do
	topo_br_lan $t
	n inet$t ip addr add $S2/24 dev eth0 || fail "$S2 in inet$t"
	stun_start inet$t
done
check "nf_hairpin: masquerade out of wan" hp r$h snat add oif wan masquerade
fw4_filter r$k br-lan wan
fw4_nat r$k br-lan wan 192.168.1.0/24 192.168.1.1 $PUB 192.168.1.200
for t in $h $k; do
	slowwait 20 stun_ready inet$t ||
		fail "turnserver in inet$t: $(tail -n5 "$tmp/inet$t.log")"
done

# The server as the client sees it with no NAT in the way (a client in
# the server's namespace): RFC 5780 answers, and all four of its
# endpoints answer (endpoint-independent filtering, no mapping).
n inet$h turnutils_natdiscovery -m -f -L $S1 -l 30000 $S1 > "$tmp/direct" 2>&1
check "turnserver: an RFC 5780 server (OTHER-ADDRESS $S2:3479)" \
	grep -q "Other addr: : $S2:3479" "$tmp/direct"
check "turnserver: answers from the other address and port" \
	grep -q "NAT with Endpoint Independent Filtering" "$tmp/direct"

# Phase 1, each copy in turn (the two copies at once):
#   srv:40000 mapping; lan:40000 mapping while srv holds 40000;
#   srv:40100 filtering; srv:40200 hairpinning; srv:40300 mapping and
#   srv:40400 filtering with padding (fragments), counted.
phase1() {
	local t=$1 f0
	disc srv$t 40000 -m
	disc lan$t 40000 -m
	disc srv$t 40100 -f
	disc srv$t 40200 -H
	f0=$(frags srv$t)
	disc srv$t 40300 -m -P
	disc srv$t 40400 -f -P
	echo $(($(frags srv$t) - f0)) > "$tmp/frags$t"
}
phase1 $k &
phase1 $h
wait $!
log "phase 1 done after ${SECONDS} s"

ra_h=$(reflexive srv$h 40000) ra_k=$(reflexive srv$k 40000)
rb_h=$(reflexive lan$h 40000) rb_k=$(reflexive lan$k 40000)
log "srv (192.168.1.200:40000) mapped to: nf_hairpin $ra_h, kernel NAT $ra_k"
log "lan (192.168.1.10:40000) mapped to: nf_hairpin $rb_h, kernel NAT $rb_k"
judge "REQ-1 mapping, srv from port 40000" "Endpoint Independent Mapping" \
	"$(mapping srv$h 40000)" "$(mapping srv$k 40000)"
judge "REQ-1 mapping, lan from 40000 while srv holds it" \
	"Endpoint Independent Mapping" \
	"$(mapping lan$h 40000)" "$(mapping lan$k 40000)"
judge "REQ-3 port preservation, srv:40000" "$PUB:40000" "$ra_h" "$ra_k"
judge "REQ-3 lan's port is not srv's" "another port" \
	"$([ -n "$rb_h" ] && [ "$rb_h" != "$ra_h" ] && echo another port || echo "$rb_h")" \
	"$([ -n "$rb_k" ] && [ "$rb_k" != "$ra_k" ] && echo another port || echo "$rb_k")"
judge "REQ-4 port parity, lan:40000 (even)" even \
	"$(parity "${rb_h##*:}")" "$(parity "${rb_k##*:}")"
judge "REQ-10 no ALG in the way (STUN payload intact)" "no ALG" \
	"$(alg srv$h 40000)" "$(alg srv$k 40000)"
judge "REQ-8 filtering, default" "Address and Port Dependent Filtering" \
	"$(filtering srv$h 40100)" "$(filtering srv$k 40100)"
judge "REQ-9 hairpinning (default filtering)" hairpinning \
	"$(hairpinning srv$h 40200)" "$(hairpinning srv$k 40200)"
judge "REQ-14 mapping, fragmented requests" "Endpoint Independent Mapping" \
	"$(mapping srv$h 40300)" "$(mapping srv$k 40300)"
judge "REQ-14 filtering, fragmented requests" \
	"Address and Port Dependent Filtering" \
	"$(filtering srv$h 40400)" "$(filtering srv$k 40400)"
# The padded requests must really have left in fragments, else the two
# lines above prove nothing.
check "srv's padded requests were fragmented (nf_hairpin: $(cat "$tmp/frags$h"), kernel NAT: $(cat "$tmp/frags$k") fragments)" \
	test "$(cat "$tmp/frags$h")" -gt 0 -a "$(cat "$tmp/frags$k")" -gt 0

# Phase 2: endpoint-independent filtering (nf_hairpin only: the kernel's
# NAT has no such setting; its row repeats its default).
check "nf_hairpin: filtering endpoint-independent" \
	hp r$h config set filtering endpoint-independent
disc srv$h 40500 -f
disc srv$h 40600 -H
judge "REQ-8 filtering, endpoint-independent set" \
	"Endpoint Independent Filtering" "$(filtering srv$h 40500)" \
	"(no setting) $(filtering srv$k 40100)"
judge "REQ-9 hairpinning (endpoint-independent)" hairpinning \
	"$(hairpinning srv$h 40600)" "(no setting) $(hairpinning srv$k 40200)"
check "nf_hairpin: filtering address-and-port-dependent" \
	hp r$h config set filtering address-and-port-dependent

# Phase 3: the mapping lifetime.  The defaults first (REQ-5: at least
# 120 s; c: 300 s or more RECOMMENDED); then both routers' UDP timeouts at
# 4 s: a mapping refreshed by one exchange must be alive 1 s later and
# gone 10 s later.
udp_h=$(hp r$h -j timeout show | jq -r .udp)
udp_k=$(n r$k sysctl -n net.netfilter.nf_conntrack_udp_timeout)
udps_k=$(n r$k sysctl -n net.netfilter.nf_conntrack_udp_timeout_stream)
expect "REQ-5: nf_hairpin's default udp timeout ($udp_h s) is at least 120 s" \
	test "$udp_h" -ge 120
row "REQ-5 default UDP mapping timer (>= 120 s)" "udp $udp_h s" \
	"udp_timeout $udp_k s, stream $udps_k s"
check "nf_hairpin: udp timeouts 4 s" hp r$h timeout set udp 4 udp_unreplied 4
check "kernel NAT: udp timeouts 4 s" n r$k sysctl -qw \
	net.netfilter.nf_conntrack_udp_timeout=4 \
	net.netfilter.nf_conntrack_udp_timeout_stream=4
pids=()
for t in $k $h; do
	disc srv$t 40700 -t -T 1 &
	pids+=($!)
	disc srv$t 40800 -t -T 10 &
	pids+=($!)
done
wait "${pids[@]}"
judge "REQ-5 lifetime 4 s: after 1 s" alive \
	"$(lifetime srv$h 40700)" "$(lifetime srv$k 40700)"
judge "REQ-5 lifetime 4 s: after 10 s" gone \
	"$(lifetime srv$h 40800)" "$(lifetime srv$k 40800)"

log "lifetime done after ${SECONDS} s"
log "nf_hairpin: map_hairpin $(hstat r$h map_hairpin), map_in $(hstat r$h map_in)"
log "$(printf 'info: %-46s  %-32s  %s' "requirement (turnutils_natdiscovery)" \
	nf_hairpin "kernel NAT (fw4)")"
for r in "${rows[@]}"; do
	log "info: $r"
done
expect_done
exit $ksft_pass
