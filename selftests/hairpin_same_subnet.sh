#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hairpin NAT with the server and the client on the same subnet, the
# example of MikroTik's "Hairpin NAT" documentation page (RouterOS manual).
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1
#                                     |
#                               [sw] br0 (switch)
#                                |              |
#              [srv] 192.168.1.2:80     [lan] 192.168.1.10
#
#   dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
#   snat add oif WAN masquerade
#
# The Internet client reaches the server, which sees 2.2.2.2; the LAN
# client reaches it through 1.1.1.1 (reflection) and the server sees the
# router, 192.168.1.1 (1.1.1.1 with reflect-src external); LAN hosts going
# out are masqueraded to 1.1.1.1; with noreflect the LAN client fails, the
# page's broken case.
. "$(dirname "$0")/lib.sh"
require_datapath

topo_one_lan ""
serve srv tcp 0.0.0.0 80
serve inet tcp 0.0.0.0 8080

check "dnat rule" hp r dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
check "snat rule" hp r snat add oif WAN masquerade

check_eq "Internet client: server sees it" 2.2.2.2 "$(saw inet tcp 1.1.1.1 80)"
check_eq "LAN client through 1.1.1.1: server sees the router" \
	192.168.1.1 "$(saw lan tcp 1.1.1.1 80)"
check_eq "LAN host going out is masqueraded" 1.1.1.1 \
	"$(saw lan tcp 2.2.2.2 8080)"
# The router's own connection to its forwarded address is DNAT'd in
# LOCAL_OUT, as iptables' OUTPUT DNAT would (nothing listens on the
# router's port 80: without it, the connection is refused).
check_eq "the router itself through 1.1.1.1 (LOCAL_OUT)" 1.1.1.1 \
	"$(saw r tcp 1.1.1.1 80)"

conns=$(hp r conn list)
echo "$conns" | sed 's/^/#   /'
check "conn list: hairpin connection's original tuple" \
	grep -q "192.168.1.10:[0-9]* *-> *1.1.1.1:80" <<< "$conns"
check "conn list: its reply tuple" \
	grep -q "192.168.1.2:80 *-> *192.168.1.1:[0-9]*" <<< "$conns"
check "conn list: the masqueraded connection" \
	grep -q "2.2.2.2:8080 *-> *1.1.1.1:[0-9]*" <<< "$conns"

check "reflect-src external" sh -c \
	"$HAIRPIN -n $pfx""r dnat del dst 1.1.1.1 proto tcp dport 80 &&
	 $HAIRPIN -n $pfx""r dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2 reflect-src external"
check_eq "LAN client, reflect-src external: server sees 1.1.1.1" \
	1.1.1.1 "$(saw lan tcp 1.1.1.1 80)"
check_eq "Internet client still sees itself" 2.2.2.2 "$(saw inet tcp 1.1.1.1 80)"

check "noreflect" sh -c \
	"$HAIRPIN -n $pfx""r dnat del dst 1.1.1.1 proto tcp dport 80 &&
	 $HAIRPIN -n $pfx""r dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2 noreflect"
# (The same path answered in milliseconds just above: 1 s proves it fails.)
check_fails "LAN client fails without reflection (noreflect_direct_reply.sh)" \
	ask lan tcp 1.1.1.1 80 -t 1
check_eq "Internet client works without reflection" 2.2.2.2 \
	"$(saw inet tcp 1.1.1.1 80)"

hp r stats | sed 's/^/#   /'
exit $ksft_pass
