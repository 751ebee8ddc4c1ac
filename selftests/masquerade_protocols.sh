#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A complete masquerade: ICMP echo with identifier mapping (two LAN hosts,
# one identifier), a protocol other than TCP, UDP and ICMP translated by
# address, UDP-Lite dropped and counted (its checksum covers the
# addresses), a TCP connection taken up mid-stream after `conn flush', and
# a lone ACK taken up whose reply is not learnt from an RST.
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
check_eq "no ICMP from a LAN address on the WAN" 0 \
	"$(seen 'icmp and src net 192.168.1.0/24')"
hp r conn list | grep icmp | sed 's/^/#   /'
ids=$(hp r -j conn list | jq -c '[.[] | select(.proto == "icmp" and
	.orig.sport == 4242) | .reply.dport] | sort')
log "reply identifiers of the two id-4242 echoes: $ids"
check_eq "two ICMP connections, two identifiers" 2 \
	"$(jq 'unique | length' <<< "$ids")"

# An ICMP error about a remapped echo request (as a router on the way
# would send on TTL exceeded): it reaches the LAN host quoting its own
# address and identifier, both checksums right.
mapped=$(hp r -j conn list | jq '.[] | select(.proto == "icmp" and
	.orig.sport == 4242 and .reply.dport != 4242) | .orig.src' -r)
log "the remapped one is $mapped"
host=lan
[ "$mapped" = 192.168.1.2 ] && host=srv
n inet python3 "$PROTO" icmperr 20 > "$tmp/err" 2>&1 &
errs=$!
slowwait 10 grep -q ready "$tmp/err" || fail "ICMP error responder"
check "ICMP error quoting a remapped echo, translated" \
	n $host python3 "$PROTO" echoerr 2.2.2.2 4242 "$mapped"
kill $errs

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

# (e) A lone ACK from the LAN is taken up too, but the Internet host's
# answer, an RST that acknowledges nothing, cannot be told from a blind
# one: the entry stays, at most tcp_syn long, until a reply acknowledges
# what the LAN host sent.  RST and SYN/ACK without a connection: dropped.
oow0=$(hstat r tcp_out_of_window)
lone() { hp r -j conn list | jq -c ".[] | select(.orig.sport == $1)"; }
n lan python3 "$TCPH" send 192.168.1.10 41000 2.2.2.2 80 A 1000 2000
check "the Internet host's RST seen (tcp_out_of_window)" slowwait 5 \
	test "$(hstat r tcp_out_of_window)" = $((oow0 + 1))
conn=$(lone 41000)
log "lone ACK: $conn"
check_eq "lone ACK taken up, still established" established \
	"$(jq -r .state <<< "$conn")"
check "timeout at most tcp_syn until a reply acknowledges" \
	test "$(jq .timeout <<< "$conn")" -le 120
n lan python3 "$TCPH" send 192.168.1.10 41001 2.2.2.2 80 SA 1000 2000
n lan python3 "$TCPH" send 192.168.1.10 41002 2.2.2.2 80 R 1000
check_eq "SYN/ACK and RST without a connection: dropped, counted" \
	$((oow0 + 3)) "$(hstat r tcp_out_of_window)"
check_eq "and no connection made" "" "$(lone 41001)$(lone 41002)"

# The capture: what each part sent reached the Internet from 1.1.1.1, and
# nothing from a LAN address.
sleep 1
stop_dump
check "echo requests from 1.1.1.1" test "$(seen 'icmp and src 1.1.1.1')" -ge 13
check "proto 253 from 1.1.1.1" test "$(seen 'ip proto 253 and src 1.1.1.1')" -ge 1
check "TCP from 1.1.1.1" test "$(seen 'tcp and src 1.1.1.1')" -ge 6
check "the lone ACK from 1.1.1.1" test "$(seen 'tcp src port 41000 and src 1.1.1.1')" -ge 1
check_eq "no SYN/ACK or RST from the LAN on the WAN" 0 \
	"$(seen 'tcp src port 41001 or tcp src port 41002')"
check_eq "no UDP-Lite on the WAN" 0 "$(seen 'ip proto 136')"
tcpdump -r "$tmp/wan.pcap" -nn 'src net 192.168.1.0/24' 2>/dev/null |
	head -5 | sed 's/^/#   leaked: /'
check_eq "no LAN source address on the WAN" 0 "$(seen 'src net 192.168.1.0/24')"
hp r stats | sed 's/^/#   /'
exit $ksft_pass
