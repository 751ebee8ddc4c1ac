#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Why a port forward without reflection fails from the LAN: the server
# replies to the client directly, as "The DNAT-mistake page" ("DNAT does
# not work from the LAN side!") explains.
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
require_datapath
require tcpdump

topo_one_lan ""
serve srv tcp 0.0.0.0 80

check "port forward, noreflect" hp r dnat add dst 1.1.1.1 proto tcp \
	dport 80 to 192.168.1.2 noreflect

# The failure is observed, not waited for: tcpdump on the client's link
# sees the server's SYN/ACK from its own address within milliseconds of
# the first SYN; the client's 1 s timeout only ends the attempt.
n lan tcpdump -nl -i eth0 -c 1 'tcp[13] & 18 == 18 and src host 192.168.1.2' \
	> "$tmp/cap" 2> "$tmp/cap.err" &
capture=$!
on_exit "kill $capture 2>/dev/null"
slowwait 10 grep -q "listening on" "$tmp/cap.err" ||
	fail "tcpdump did not start: $(cat "$tmp/cap.err")"
check_fails "LAN client through 1.1.1.1 fails" ask lan tcp 1.1.1.1 80 -t 1
check "the SYN/ACK reached the client from the server's own address" \
	slowwait 5 grep -q "192.168.1.2.80 > 192.168.1.10" "$tmp/cap"
check_eq "Internet client works" 2.2.2.2 "$(saw inet tcp 1.1.1.1 80)"

check "reflection on" sh -c "$HAIRPIN -n $pfx""r dnat del dst 1.1.1.1 proto tcp dport 80 &&
	$HAIRPIN -n $pfx""r dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2"
check_eq "LAN client works with reflection" 192.168.1.1 \
	"$(saw lan tcp 1.1.1.1 80)"
exit $ksft_pass
