#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Seeds 000 and 002: OpenWrt-style router, LAN on a real bridge, the
# seed's exact iptables rules translated to nf_hairpin.
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
# SNAT rule the LAN client fails (the seed's first story).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require ss

topo_000 ""
serve srv tcp 0.0.0.0 80

check "seed dnat rule" hp r dnat add iif br-lan src 192.168.1.0/24 \
	dst 82.120.11.22 proto tcp dport 80 to 192.168.1.200 noreflect
check_fails "LAN client without the SNAT rule fails (the seed's story)" \
	ask lan tcp 82.120.11.22 80 -t 2
check "seed snat rule" hp r snat add oif br-lan src 192.168.1.0/24 \
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
