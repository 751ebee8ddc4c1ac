#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A complete masquerade: ICMP echo with identifier mapping (two LAN hosts,
# one identifier), a protocol other than TCP, UDP and ICMP translated by
# address, UDP-Lite dropped and counted (its checksum covers the
# addresses), and a TCP connection taken up mid-stream after `conn flush'.
# A capture on the Internet host must never show a LAN source address.
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1
#    echo, proto 253 responder,       |
#    TCP echo on :80            [sw] br0 (switch)
#                                |            |
#                [srv] 192.168.1.2    [lan] 192.168.1.10
#          (here a second LAN host)
#
#   snat add oif WAN src 192.168.1.0/24 masquerade
. "$(dirname "$0")/lib.sh"
require_datapath
require jq socat tcpdump python3
PROTO=$NFHP_ROOT/selftests/nfhp_proto.py

topo_one_lan ""
check "masquerade" hp r snat add oif WAN src 192.168.1.0/24 masquerade

# Everything the Internet host sees, from now on.
n inet tcpdump -i eth0 -nn -U -w "$tmp/wan.pcap" 2> "$tmp/tcpdump.err" &
dump=$!
slowwait 10 grep -q "listening on" "$tmp/tcpdump.err" || fail "tcpdump did not start"
stop_dump() {
	[ -n "${dump:-}" ] || return 0
	kill "$dump" 2>/dev/null
	wait "$dump" 2>/dev/null
	dump=
}
on_exit stop_dump
# seen FILTER: the packets of the capture that match FILTER, counted.
seen() { tcpdump -r "$tmp/wan.pcap" -nn "$@" 2>/dev/null | wc -l; }

# (a) ICMP echo: ping, then two hosts with the same identifier at once.
check "ping through masquerade" n lan ping -c 3 -i 0.2 -W 2 -q 2.2.2.2
n lan python3 "$PROTO" echo 2.2.2.2 4242 5 > "$tmp/echo-a" 2>&1 &
a=$!
n srv python3 "$PROTO" echo 2.2.2.2 4242 5 > "$tmp/echo-b" 2>&1 &
b=$!
wait $a; ra=$?
wait $b; rb=$?
log "$(cat "$tmp/echo-a") (lan), $(cat "$tmp/echo-b") (srv)"
check_eq "lan: every echo with id 4242 answered" 0 "$ra"
check_eq "srv: every echo with id 4242 answered" 0 "$rb"
hp r conn list | grep icmp | sed 's/^/#   /'
ids=$(hp r -j conn list | jq -c '[.[] | select(.proto == "icmp" and
	.orig.sport == 4242) | .reply.dport] | sort')
log "reply identifiers of the two id-4242 echoes: $ids"
check_eq "two ICMP connections, two identifiers" 2 \
	"$(jq 'unique | length' <<< "$ids")"

# (b) An IP protocol without ports (253, for experiments): by address.
n inet python3 "$PROTO" responder 253 60 > "$tmp/resp" 2>&1 &
slowwait 10 grep -q ready "$tmp/resp" || fail "proto 253 responder"
check "proto 253 through masquerade" n lan python3 "$PROTO" ask 253 2.2.2.2 3
check "proto 253 connection listed (by address)" \
	sh -c "$HAIRPIN -n ${pfx}r conn list | grep -q '^253 .*192.168.1.10 -> 2.2.2.2'"

# (c) UDP-Lite: its checksum covers the addresses; dropped, counted.
d0=$(hstat r drop_proto)
n lan python3 "$PROTO" send 136 2.2.2.2 3
check_eq "UDP-Lite dropped and counted" $((d0 + 3)) "$(hstat r drop_proto)"

# (d) TCP: a held connection through masquerade, its entry flushed.
n inet socat TCP-LISTEN:80,reuseaddr,fork SYSTEM:cat &
slowwait 10 n inet sh -c 'ss -Hltn | grep -q ":80 "' || fail "echo server"
mkdir "$tmp/m" && mkfifo "$tmp/m/cmd" && : > "$tmp/m/out"
n lan python3 "$TCPH" client 2.2.2.2 80 40000 "$tmp/m" &
slowwait 10 held_result m up || fail "TCP client did not connect"
check_eq "TCP data before the flush" ok "$(held_ping m)"
p0=$(hstat r tcp_pickup)
check "conn flush" hp r conn flush
check_eq "no connection left" 0 "$(hp r -j conn list | jq length)"
check_eq "TCP data after the flush" ok "$(held_ping m)"
check_eq "taken up mid-stream (tcp_pickup)" $((p0 + 1)) "$(hstat r tcp_pickup)"
conn=$(hp r -j conn list | jq -c '.[] | select(.proto == "tcp")')
log "picked up: $conn"
check_eq "same external port" 40000 "$(jq .reply.dport <<< "$conn")"
check_eq "established" established "$(jq -r .state <<< "$conn")"
check_eq "TCP data again" ok "$(held_ping m)"
echo rst > "$tmp/m/cmd"
slowwait 5 held_result m "rst sent" || fail "TCP client: no rst"

# The capture: what each part sent reached the Internet from 1.1.1.1, and
# nothing from a LAN address.
sleep 1
stop_dump
check "echo requests from 1.1.1.1" test "$(seen 'icmp and src 1.1.1.1')" -ge 13
check "proto 253 from 1.1.1.1" test "$(seen 'ip proto 253 and src 1.1.1.1')" -ge 1
check "TCP from 1.1.1.1" test "$(seen 'tcp and src 1.1.1.1')" -ge 6
check_eq "no UDP-Lite on the WAN" 0 "$(seen 'ip proto 136')"
tcpdump -r "$tmp/wan.pcap" -nn 'src net 192.168.1.0/24' 2>/dev/null |
	head -5 | sed 's/^/#   leaked: /'
check_eq "no LAN source address on the WAN" 0 "$(seen 'src net 192.168.1.0/24')"
hp r stats | sed 's/^/#   /'
exit $ksft_pass
