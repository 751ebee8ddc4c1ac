#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seed 003: "DNAT does not work from the LAN side".
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1
#                                     |
#                               [sw] br0 (switch)
#                                |              |
#              [srv] 192.168.1.2:80     [lan] 192.168.1.10
#
# noreflect and no SNAT: the LAN client's SYN is forwarded to the server,
# whose SYN/ACK goes straight to the client from 192.168.1.2, not from
# 1.1.1.1; the client does not recognise it (it answers with a reset) and
# the connection never opens.  The Internet client's works.  Then with
# reflection on, the LAN client's works too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require ss tcpdump

topo_004 ""
serve srv tcp 0.0.0.0 80

check "port forward, noreflect" hp r dnat add dst 1.1.1.1 proto tcp \
	dport 80 to 192.168.1.2 noreflect

n lan tcpdump -nl -i eth0 -c 1 'tcp[13] & 18 == 18 and src host 192.168.1.2' \
	> /tmp/seed003.cap 2>/dev/null &
capture=$!
sleep 1
check_fails "LAN client through 1.1.1.1 fails" ask lan tcp 1.1.1.1 80 -t 2
sleep 0.5
kill $capture 2>/dev/null
wait $capture 2>/dev/null
check "the SYN/ACK reached the client from the server's own address" \
	grep -q "192.168.1.2.80 > 192.168.1.10" /tmp/seed003.cap
check_eq "Internet client works" 2.2.2.2 "$(saw inet tcp 1.1.1.1 80)"

check "reflection on" sh -c "$HAIRPIN -n $pfx""r dnat del dst 1.1.1.1 proto tcp dport 80 &&
	$HAIRPIN -n $pfx""r dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2"
check_eq "LAN client works with reflection" 192.168.1.1 \
	"$(saw lan tcp 1.1.1.1 80)"
exit $ksft_pass
