#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A router on three networks, the example of Ian! D. Allen's "A Detailed
# Description of Destination Network Address Translation (DNAT)".
#
#                 [inet] 123.45.6.7
#                        |
#                  ext 100.0.0.254
#   [r] dmz 172.16.0.254            trusted 192.168.0.254
#              |                              |
#        [dsw] br0 (switch)            [tcli] 192.168.0.2
#        |               |
#   [srv] 172.16.0.1:80   [dcli] 172.16.0.2
#
# Phase 1, the write-up's five rules: three DNAT (one per router address,
# noreflect, as iptables would not reflect) and two SNAT for the two
# internal networks.  Phase 2: one `dst local' rule, automatic reflection.
# Either way: the DMZ client reaches the server through every router
# address and the server sees 172.16.0.254; the trusted client's address
# is kept (192.168.0.2); the Internet host's too (123.45.6.7).
. "$(dirname "$0")/lib.sh"
require_datapath

topo_three_networks ""
serve srv tcp 0.0.0.0 80

expect_all() {
	local phase=$1 a
	for a in 100.0.0.254 172.16.0.254 192.168.0.254; do
		check_eq "$phase: DMZ client via $a, server sees the router" \
			172.16.0.254 "$(saw dcli tcp $a 80)"
		check_eq "$phase: trusted client via $a keeps its address" \
			192.168.0.2 "$(saw tcli tcp $a 80)"
	done
	check_eq "$phase: Internet host via 100.0.0.254 keeps its address" \
		123.45.6.7 "$(saw inet tcp 100.0.0.254 80)"
}

for a in 100.0.0.254 172.16.0.254 192.168.0.254; do
	check "the write-up's rule: dnat $a" hp r dnat add dst $a proto tcp \
		dport 80 to 172.16.0.1 noreflect
done
check "the write-up's rule: snat dmz" hp r snat add src 172.16.0.0/24 \
	dst 172.16.0.0/24 to 172.16.0.254
check "the write-up's rule: snat trusted" hp r snat add src 192.168.0.0/24 \
	dst 192.168.0.0/24 to 192.168.0.254
expect_all "five rules"

check "flush" hp r flush
check "one rule for every local address" hp r dnat add dst local \
	proto tcp dport 80 to 172.16.0.1
expect_all "dst local, reflection"

hp r conn list | sed 's/^/#   /'
exit $ksft_pass
