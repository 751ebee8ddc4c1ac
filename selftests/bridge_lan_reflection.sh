#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# NAT reflection on an OpenWrt-style router whose LAN is a bridge on the
# router itself (br-lan), with the iptables rules of the OpenWrt answer
# "How does NAT reflection (NAT loopback) work?" translated to nf_hairpin.
#
#   [inet] 203.0.113.7 ---- wan 82.120.11.22 [r] br-lan 192.168.1.1
#                                                (bridge: lan1 lan2)
#                                                 |            |
#                            [srv] 192.168.1.200:80   [lan] 192.168.1.10
#
#   dnat add iif br-lan src 192.168.1.0/24 dst 82.120.11.22 proto tcp
#            dport 80 to 192.168.1.200 noreflect
#   snat add oif br-lan src 192.168.1.0/24 dst 192.168.1.200/32 proto tcp
#            dport 80 to 192.168.1.1
#   dnat add iif wan dst 82.120.11.22 proto tcp dport 80 to 192.168.1.200
#
# The LAN client reaches the server through 82.120.11.22 and the server
# sees 192.168.1.1; the Internet client's address is kept.  Without the
# SNAT rule the LAN client fails (the answer's first story: the server
# replies to the client directly, from an address it did not ask).
. "$(dirname "$0")/lib.sh"
require_datapath

topo_br_lan ""
serve srv tcp 0.0.0.0 80

# The LAN path works without NAT, in milliseconds: a 1 s timeout below
# proves a failure.
check_eq "LAN client reaches the server directly" 192.168.1.10 \
	"$(saw lan tcp 192.168.1.200 80)"
check "the answer's dnat rule" hp r dnat add iif br-lan src 192.168.1.0/24 \
	dst 82.120.11.22 proto tcp dport 80 to 192.168.1.200 noreflect
check_fails "LAN client without the SNAT rule fails (the answer's story)" \
	ask lan tcp 82.120.11.22 80 -t 1
check "the answer's snat rule" hp r snat add oif br-lan src 192.168.1.0/24 \
	dst 192.168.1.200/32 proto tcp dport 80 to 192.168.1.1
check "Internet-side rule" hp r dnat add iif wan dst 82.120.11.22 \
	proto tcp dport 80 to 192.168.1.200

check_eq "LAN client: server sees 192.168.1.1" 192.168.1.1 \
	"$(saw lan tcp 82.120.11.22 80)"
check_eq "Internet client keeps its address" 203.0.113.7 \
	"$(saw inet tcp 82.120.11.22 80)"
check_eq "LAN client again" 192.168.1.1 "$(saw lan tcp 82.120.11.22 80)"

hp r conn list | sed 's/^/#   /'
exit $ksft_pass
