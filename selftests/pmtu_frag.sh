#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Path MTU discovery and fragments through the hairpin.
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1
#                                     |   route to 192.168.1.2: mtu 1280
#                               [sw] br0 (switch)
#                                |              |
#       [srv] 192.168.1.2:80,:5353/udp   [lan] 192.168.1.10
#
# The router forwards at most 1280 bytes to the server.  A LAN client's
# 1 MB TCP upload through 1.1.1.1 completes only if the router's ICMP
# "fragmentation needed" (quoting the packet after DNAT, before loopback
# SNAT) reaches the client translated back (RFC 5508).  A 3000-byte UDP
# datagram, fragmented by the client, is reassembled before the port
# forward looks at it and arrives whole.
. "$(dirname "$0")/lib.sh"
require_datapath

topo_one_lan ""
ipb r <<< "route add 192.168.1.2/32 dev LAN mtu 1280"
serve srv tcp 0.0.0.0 80
serve srv udp 0.0.0.0 5353
check "tcp forward" hp r dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
check "udp forward" hp r dnat add dst 1.1.1.1 proto udp dport 53 \
	to 192.168.1.2:5353

out=$(ask lan tcp 1.1.1.1 80 -s 1000000 -t 30)
check_eq "1 MB through the hairpin" "192.168.1.1 1000000" \
	"${out%%:*} ${out##* }"
out=$(ask inet tcp 1.1.1.1 80 -s 1000000 -t 30)
check_eq "1 MB from the Internet" "2.2.2.2 1000000" "${out%%:*} ${out##* }"
icmp=$(hp r stats | awk '$1 == "xlate_icmp" { print $2 }')
[ "${icmp:-0}" -gt 0 ] || fail "no ICMP error translated"
log "ok: ICMP errors translated: $icmp"

out=$(ask lan udp 1.1.1.1 53 -s 3000)
check_eq "3000-byte UDP datagram through the hairpin" "192.168.1.1 3000" \
	"${out%%:*} ${out##* }"
out=$(ask inet udp 1.1.1.1 53 -s 3000)
check_eq "3000-byte UDP datagram from the Internet" "2.2.2.2 3000" \
	"${out%%:*} ${out##* }"
exit $ksft_pass
