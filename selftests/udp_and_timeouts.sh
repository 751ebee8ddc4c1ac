#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# UDP port forward with a port remap, clients sharing a source port, and
# connections expiring after their (shortened) timeouts.
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1
#                                     |
#                               [sw] br0 (switch)
#                      |                |                 |
#      [srv] 192.168.1.2:5353/udp  [lan] 192.168.1.10  [lan2] 192.168.1.11
#                       :80/tcp
#
#   dnat add dst 1.1.1.1 proto udp dport 53 to 192.168.1.2:5353
#   dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
#   dnat add dst 1.1.1.1 proto tcp dport 81 to 192.168.1.2   (nobody listens)
. "$(dirname "$0")/lib.sh"
require_datapath

topo_one_lan ""
ns_add lan2
veth sw p3 lan2 eth0
ipb sw <<< "link set p3 master br0"
ipb lan2 <<-EOF
	addr add 192.168.1.11/24 dev eth0
	route add default via 192.168.1.1
	EOF
serve srv udp 0.0.0.0 5353
serve srv tcp 0.0.0.0 80

check "udp forward 53 -> 5353" hp r dnat add dst 1.1.1.1 proto udp \
	dport 53 to 192.168.1.2:5353
check "tcp forward" hp r dnat add dst 1.1.1.1 proto tcp dport 80 \
	to 192.168.1.2
check "tcp forward to a closed port" hp r dnat add dst 1.1.1.1 proto tcp \
	dport 81 to 192.168.1.2

check_eq "UDP from the Internet" 2.2.2.2 "$(saw inet udp 1.1.1.1 53)"
check_eq "UDP hairpin" 192.168.1.1 "$(saw lan udp 1.1.1.1 53)"

# Two LAN clients, one source port, at the same time: both map to
# 192.168.1.1 on the way to the server, so one of them gets another port.
ask lan udp 1.1.1.1 53 -b 192.168.1.10:40000 > "$tmp/udp-a.out" 2>&1 &
a=$!
ask lan2 udp 1.1.1.1 53 -b 192.168.1.11:40000 > "$tmp/udp-b.out" 2>&1 &
b=$!
wait $a && wait $b ||
	fail "same source port: $(cat "$tmp/udp-a.out" "$tmp/udp-b.out")"
ra=$(cat "$tmp/udp-a.out")
rb=$(cat "$tmp/udp-b.out")
log "answers: $ra / $rb"
check "both answered through the router" \
	grep -q "^192.168.1.1:" "$tmp/udp-a.out" "$tmp/udp-b.out"
[ "${ra%% *}" != "${rb%% *}" ] || fail "both clients got the same mapping: $ra"
log "ok: the two clients have two mappings"

# Short timeouts, but not so short that the debug kernel under TCG (five
# times slower) lets an entry expire before the listing after the exchange.
# The UDP, FIN and RST connections are made one after the other and then
# expire together; expiry is polled for with a deadline well past the
# timeouts.
check "shorter timeouts" hp r timeout set udp 5 tcp_time_wait 5 tcp_transitory 5
hp r conn flush

# gone PATTERN: no connection matches PATTERN.
gone() { ! hp r conn list | grep -q "$1"; }

udp='2.2.2.2:[0-9]* *-> *1.1.1.1:53'
check_eq "UDP exchange" 2.2.2.2 "$(saw inet udp 1.1.1.1 53)"
conns=$(hp r conn list)
check "UDP connection listed" grep -q "$udp" <<< "$conns"
start=$SECONDS

check_eq "TCP exchange (closed with FIN)" 2.2.2.2 "$(saw inet tcp 1.1.1.1 80)"
conns=$(hp r conn list)
echo "$conns" | sed 's/^/#   /'
check "TCP connection in time_wait" \
	grep -q "1.1.1.1:80 .*time_wait\|time_wait .*1.1.1.1:80" <<< "$conns"
check_fails "refused connection (RST)" ask inet tcp 1.1.1.1 81
conns=$(hp r conn list)
check "RST closes it" grep -q "close .*1.1.1.1:81" <<< "$conns"

check "UDP connection gone after its timeout" slowwait 30 gone "$udp"
# It must not vanish long before its 5 s either (GC too eager).
[ $((SECONDS - start)) -ge 2 ] || fail "UDP entry gone after $((SECONDS - start)) s"
check "TCP connections gone after FIN and RST" slowwait 30 gone '1.1.1.1:8[01]'
hp r stats | grep -E "expired|created" | sed 's/^/#   /'
exit $ksft_pass
