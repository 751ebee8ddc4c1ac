#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Table pressure: conn_max 200, then a spoofed UDP flood (500 datagrams,
# 500 sources) and a spoofed SYN flood (300 SYNs) to forwarded ports.  A
# full table must evict what never got a reply or never got established
# (counted: evicted), never a replied or established connection: the TCP
# connection and the UDP flow made before the flood still work, a LAN host
# opens a new masqueraded connection and an Internet client new forwarded
# ones.  Unreplied UDP lives udp_unreplied, half-open TCP tcp_syn, replied
# UDP keeps udp.  The kernel's NAT beside, in the same boot, as reference.
#
#   T = h (nf_hairpin), k (the kernel's NAT):
#
#   [inet$T] 2.2.2.2 ---- WAN 1.1.1.1 [r$T] LAN 192.168.1.1
#    clients, floods                         |
#    from 5.5.0.1, 6.6.0.1            [sw$T] br0 (switch)
#    server :8080 (tcp)                 |                   |
#               [srv$T] 192.168.1.2: 80 echo,   [lan$T] 192.168.1.10
#                       5353/udp, 8080/tcp
#
#   dnat 1.1.1.1 tcp 80 -> 192.168.1.2 (echo), tcp 8080 -> :8080,
#        udp 53 -> :5353, udp 5000 -> :5000 (nothing listens: no reply)
#   snat oif WAN masquerade
. "$(dirname "$0")/lib.sh"
require_datapath
require_flood
require jq socat nft python3
h=h
k=k
max=200
nudp=500
nsyn=300

topo_one_lan "$h"
topo_one_lan "$k"
check "conn_max $max" hp "r$h" config set conn_max $max
check "udp 3600, so that a replied flow cannot expire during the test" \
	hp "r$h" timeout set udp 3600
check "nf_hairpin rules" hp "r$h" restore <<-EOF
	dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
	dnat add dst 1.1.1.1 proto tcp dport 8080 to 192.168.1.2
	dnat add dst 1.1.1.1 proto udp dport 53 to 192.168.1.2:5353
	dnat add dst 1.1.1.1 proto udp dport 5000 to 192.168.1.2
	snat add oif WAN masquerade
EOF
n "r$k" nft -f - <<-EOF || fail "nft nat"
	table ip nat {
		chain prerouting {
			type nat hook prerouting priority dstnat;
			ip daddr 1.1.1.1 tcp dport { 80, 8080, 5000 } dnat to 192.168.1.2
			ip daddr 1.1.1.1 udp dport 5000 dnat to 192.168.1.2
			ip daddr 1.1.1.1 udp dport 53 dnat to 192.168.1.2:5353
		}
		chain postrouting {
			type nat hook postrouting priority srcnat;
			oif WAN masquerade
		}
	}
EOF
log "info: the kernel's NAT: nf_conntrack_max is read-only in a child" \
	"namespace ($(n "r$k" sh -c 'echo 1000 2>/dev/null > \
	/proc/sys/net/netfilter/nf_conntrack_max && echo writable || \
	echo not writable'), host's value $(cat \
	/proc/sys/net/netfilter/nf_conntrack_max 2>/dev/null)): its table is" \
	"not filled here, the comparison is of behaviour"

for t in $h $k; do
	serve "srv$t" udp 0.0.0.0 5353
	serve "srv$t" tcp 0.0.0.0 8080
	serve "inet$t" tcp 0.0.0.0 8080
done
held_start $h $k
# conn T PROTO PORT: the state of copy h's connection from 2.2.2.2:PORT
conn() {
	hp "r$h" -j conn list proto "$1" port "$2" |
		jq -r '[.[] | select(.orig.src == "2.2.2.2")][0].state // "none"'
}

for t in $h $k; do
	slowwait 10 held_result "$t" up || fail "client of copy $t did not connect"
	check_eq "before: replied UDP flow (copy $t)" 2.2.2.2 \
		"$(saw "inet$t" udp 1.1.1.1 53 -b 2.2.2.2:40000 -t 3)"
done
check_eq "before: TCP established" established "$(conn tcp 40000)"
check_eq "before: UDP replied" udp_replied "$(conn udp 40000)"
hp "r$h" -j conn list > "$tmp/before.json"
udp_tmo=$(jq '[.[] | select(.state == "udp_replied")][0].timeout' \
	"$tmp/before.json")

# Short timeouts first, the table nearly empty: what never gets a reply
# goes in seconds, what did stays (and has its long timeout).
check "udp_unreplied 2, tcp_syn 2" hp "r$h" timeout set udp_unreplied 2 \
	tcp_syn 2
made0=$(hstat "r$h" conn_created)
n "inet$h" "$FLOOD" 5.5.0.1 1.1.1.1 5000 20 >/dev/null ||
	fail "nfhp_flood in inet$h"
n "inet$h" python3 "$TCPH" synflood 6.6.0.1 20 1.1.1.1 8080 ||
	fail "SYN flood in inet$h"
# (Counted as made, not as present: on the debug kernel the first may
# have expired, 2 s, before the SYN flood's interpreter is up.)
check "20 unreplied and 20 half-open made" \
	test $(( $(hstat "r$h" conn_created) - made0 )) -ge 40
only_replied() {
	hp "r$h" -j conn list | jq -e 'all(.[]; .state == "udp_replied" or
		.state == "established")' >/dev/null
}
check "unreplied and half-open entries expire in seconds" slowwait 20 \
	only_replied
check_eq "the replied flow stays" udp_replied "$(conn udp 40000)"
check_eq "the established connection stays" established "$(conn tcp 40000)"
check "udp_unreplied 30, tcp_syn 120 (the defaults) again" \
	hp "r$h" timeout set udp_unreplied 30 tcp_syn 120

# Counters before; every connection ever made is still there, expired,
# or evicted (nothing else kills one in this test).  One `stats' for all:
# the GC may expire one between two reads.
snap() { hp "r$h" stats > "$tmp/stats"; }
val() { sed -n "s/^$1 *//p" "$tmp/stats"; }
snap
c0=$(val conn_created)
v0=$(val evicted)
f0=$(val drop_table_full)

log "spoofed UDP flood: $nudp datagrams from 5.5.0.1, $nudp ports"
for t in $h $k; do
	n "inet$t" "$FLOOD" 5.5.0.1 1.1.1.1 5000 $nudp >/dev/null ||
		fail "nfhp_flood in inet$t"
done
log "spoofed SYN flood: $nsyn SYNs from 6.6.0.1, $nsyn ports"
for t in $h $k; do
	n "inet$t" python3 "$TCPH" synflood 6.6.0.1 $nsyn 1.1.1.1 8080 ||
		fail "SYN flood in inet$t"
done

snap
conns=$(val conns)
created=$(($(val conn_created) - c0))
evicted=$(($(val evicted) - v0))
check_eq "the table is full" $max "$conns"
check "the floods made $created connections" \
	test "$created" -ge $((max + 200))
check_eq "created = in the table + expired + evicted" "$(val conn_created)" \
	$((conns + $(val conn_expired) + $(val evicted)))
check_eq "no new connection was dropped: each evicted an unreplied one" \
	"$f0" "$(val drop_table_full)"
expired=$(val conn_expired)
log "conns $conns created $created expired $expired evicted $evicted"

hp "r$h" -j conn list > "$tmp/during.json"
check_eq "unreplied UDP lives udp_unreplied (30 s) at most" true \
	"$(jq '[.[] | select(.state == "udp_unreplied") | .timeout <= 30] | all' \
	"$tmp/during.json")"
check_eq "half-open TCP lives tcp_syn (120 s) at most" true \
	"$(jq '[.[] | select(.state == "syn_sent" or .state == "syn_recv") |
	.timeout <= 120] | all' "$tmp/during.json")"
check "replied UDP keeps udp ($udp_tmo s)" test "$udp_tmo" -gt 3000

# Never evicted: the connections made before the flood.
check_eq "after: TCP still established, never evicted" established \
	"$(conn tcp 40000)"
check_eq "after: UDP still replied, never evicted" udp_replied \
	"$(conn udp 40000)"
check_eq "after: the TCP connection carries data" ok "$(held_ping $h)"
check_eq "after: the UDP flow is answered" 2.2.2.2 \
	"$(saw "inet$h" udp 1.1.1.1 53 -b 2.2.2.2:40000 -t 3)"

# New connections in the full table: each evicts an unreplied one.
v1=$(hstat "r$h" evicted)
check_eq "new masqueraded connection from the LAN" 1.1.1.1 \
	"$(saw "lan$h" tcp 2.2.2.2 8080 -t 3)"
check_eq "new forwarded TCP connection from the Internet" 2.2.2.2 \
	"$(saw "inet$h" tcp 1.1.1.1 8080 -b 2.2.2.2:40001 -t 3)"
check_eq "new forwarded UDP flow from the Internet" 2.2.2.2 \
	"$(saw "inet$h" udp 1.1.1.1 53 -b 2.2.2.2:40002 -t 3)"
check "they evicted one each" test $(($(hstat "r$h" evicted) - v1)) -ge 3

log "info: the kernel's NAT after the same floods:" \
	"conntrack entries $(n "r$k" cat /proc/sys/net/netfilter/nf_conntrack_count)," \
	"LAN masquerade $(saw "lan$k" tcp 2.2.2.2 8080 -t 3 || :)," \
	"new forward $(saw "inet$k" tcp 1.1.1.1 8080 -b 2.2.2.2:40001 -t 3 || :)," \
	"old TCP $(held_ping $k), old UDP $(saw "inet$k" udp 1.1.1.1 53 \
	-b 2.2.2.2:40000 -t 3 || :)"

hp "r$h" stats | sed 's/^/#   /'
exit $ksft_pass
