#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A router under a conntrack-based nftables filter, left as it is, with
# nf_hairpin doing the NAT (routers r$h) or the kernel's own NAT (routers
# r$k), in the same boot; the filter is the same for both engines.  Seed
# 004's addresses (the MikroTik "Hairpin NAT" write-up, topo_one_lan):
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1
#                                        |
#                                 [sw] br0 (switch)
#                                  |             |
#               [srv] 192.168.1.2:80   [lan] 192.168.1.10
#
# Two filter shapes:
#   fw4   OpenWrt's firewall4 (fw4_filter in lib.sh: established/related
#         accepted, `ct status dnat accept' in the wan zone, lan forward
#         and lan -> wan accepted, the rest from the WAN rejected), with
#         the kernel's NAT as fw4 renders a redirect and the wan zone's
#         masquerade (fw4_nat);
#   wiki  the nftables wiki's "Simple ruleset for a home router"
#         (wiki.nftables.org, Simple_ruleset_for_a_home_router; table ip
#         global: `ct state' vmap with invalid dropped and
#         established/related accepted, the private interface forwarded,
#         policy drop, masquerade of the private net out of the world
#         interface), plus what a port forward needs there: a dnat rule,
#         the hairpin snat for LAN clients and `ct status dnat accept'.
# nf_hairpin: `dnat add dst 1.1.1.1 proto tcp|udp dport 80 to
# 192.168.1.2' (reflection is its default) and a masquerade out of WAN.
#
# Every scenario in each shape must end the same through both routers
# (connected or not, and the address the server saw); after them, the
# nf_hairpin router's conntrack counted no invalid packet and shows the
# forwarded connection with the server as its reply source and its DNAT
# status.  The `# info' table lists every outcome.
. "$(dirname "$0")/lib.sh"
require_datapath
require nft conntrack

topo_one_lan $h
topo_one_lan $k
for t in $h $k; do
	serve "srv$t" tcp 0.0.0.0 80
	serve "srv$t" udp 0.0.0.0 80
	serve "inet$t" tcp 0.0.0.0 8080
	serve "inet$t" udp 0.0.0.0 8080
	# A service of the router's own that nothing forwards: the filter
	# must keep the Internet from it.
	serve "r$t" tcp 0.0.0.0 81
done
warm lan 192.168.1.2

# wiki_filter NS [NAT]: the wiki's home router, NAT chains given or none.
wiki_filter() {
	n "$1" nft -f - <<-EOF || fail "wiki filter in $1"
	flush ruleset
	define DEV_PRIVATE = LAN
	define DEV_WORLD = WAN
	define NET_PRIVATE = 192.168.0.0/16

	table ip global {
		chain inbound_world {
		}
		chain inbound_private {
			# (The wiki's rate-limited echo-request accept is left
			# out: the debug kernel has no nft limit.)
			ip protocol . th dport vmap { tcp . 22 : accept, udp . 53 : accept, tcp . 53 : accept, udp . 67 : accept }
		}
		chain inbound {
			type filter hook input priority 0; policy drop;
			ct state vmap { established : accept, related : accept, invalid : drop }
			iifname vmap { lo : accept, \$DEV_WORLD : jump inbound_world, \$DEV_PRIVATE : jump inbound_private }
		}
		chain forward {
			type filter hook forward priority 0; policy drop;
			ct state vmap { established : accept, related : accept, invalid : drop }
			iifname \$DEV_PRIVATE accept
			# Not in the wiki's example, which forwards no port.
			ct status dnat accept
		}
		${2:-}
	}
	EOF
}

wiki_nat='
		chain prerouting {
			type nat hook prerouting priority -100; policy accept;
			ip daddr 1.1.1.1 meta l4proto { tcp, udp } th dport 80 dnat to 192.168.1.2
		}
		chain postrouting {
			type nat hook postrouting priority 100; policy accept;
			ip saddr $NET_PRIVATE ip daddr 192.168.1.2 oifname $DEV_PRIVATE meta l4proto { tcp, udp } th dport 80 snat to 192.168.1.1
			ip saddr $NET_PRIVATE oifname $DEV_WORLD masquerade
		}'

# shape NAME: load the filter NAME into both routers, the NAT into r$k,
# nf_hairpin's rules into r$h; forget every connection of the last shape.
shape() {
	local t
	for t in $h $k; do
		n "r$t" nft flush ruleset
		n "r$t" conntrack -F 2>/dev/null
	done
	hp r$h flush || fail "hairpin flush"
	hp r$h conn flush || fail "hairpin conn flush"
	case "$1" in
	fw4)
		fw4_filter r$h LAN WAN
		fw4_filter r$k LAN WAN
		fw4_nat r$k LAN WAN 192.168.1.0/24 192.168.1.1 1.1.1.1 \
			192.168.1.2 tcp 80 udp 80
		hp r$h snat add oif WAN masquerade || fail rule
		;;
	wiki)
		wiki_filter r$h
		wiki_filter r$k "$wiki_nat"
		hp r$h snat add oif WAN src 192.168.0.0/16 masquerade || fail rule
		;;
	esac
	hp r$h dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2 || fail rule
	hp r$h dnat add dst 1.1.1.1 proto udp dport 80 to 192.168.1.2 || fail rule
}

for sh in fw4 wiki; do
	shape $sh
	inv0=$(ct_invalid r$h)
	one_lan_scenarios $sh
	scenario $sh "no connection" "Internet host -> 192.168.1.2:80" inet tcp 192.168.1.2 80
	scenario $sh "no connection" "Internet host -> 1.1.1.1:81 (router)" inet tcp 1.1.1.1 81

	one_lan_conntrack $sh
	inv=$(ct_invalid r$h)
	expect_eq "$sh: invalid packets in nf_hairpin's router's conntrack" 0 \
		$((inv - inv0))
	log "$sh: invalid packets in the kernel's NAT router's conntrack: $(ct_invalid r$k)"
	n r$h conntrack -L 2>/dev/null | sed "s/^/# $sh r$h conntrack: /"
done

scenario_table
expect_done
exit $ksft_pass
