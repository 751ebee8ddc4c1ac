#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# router_firewall.sh's fw4 router with Docker on it: a docker0 bridge
# (172.17.0.1/16) with a container (172.17.0.2) and Docker's iptables-nft
# nat rules, loaded as dockerd loads them (its DOCKER chain, the
# `addrtype LOCAL' jump, the MASQUERADE of 172.17.0.0/16, one published
# port 8080 -> 172.17.0.2:80).  Routers r$h: nf_hairpin forwards 1.1.1.1:80
# and masquerades the LAN beside Docker's rules; routers r$k: fw4's own
# nft NAT (fw4_nat) beside the same Docker rules; the same boot.
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1 -- srv .2, lan .10
#                                    docker0 172.17.0.1
#                                        |
#                               [ctr] 172.17.0.2:80
#
# Phase 1: nf_hairpin masquerades only the LAN (src 192.168.1.0/24): the
# container's connections are Docker's MASQUERADE's.  Phase 2: nf_hairpin
# masquerades everything out of WAN, as fw4's zone does: its rule and
# Docker's both match the container's connections, which must still be
# translated once.  Every outcome the same through both routers; the
# Internet host sees exactly 1.1.1.1; conntrack shows each connection
# once, with the reply tuple of its translation.
. "$(dirname "$0")/lib.sh"
require_datapath
require nft conntrack iptables-nft iptables-nft-restore

for t in $h $k; do
	topo_one_lan $t
	ns_create "ctr$t"
	ipb "" <<-EOF
	link add veth0 netns ${pfx}r$t type veth peer name eth0 netns ${pfx}ctr$t
	EOF
	ipb "r$t" <<-EOF
	link add docker0 type bridge
	addr add 172.17.0.1/16 dev docker0
	link set docker0 up
	link set veth0 master docker0 up
	EOF
	ipb "ctr$t" <<-EOF
	link set lo up
	link set eth0 up
	addr add 172.17.0.2/16 dev eth0
	route add default via 172.17.0.1
	EOF
	serve "srv$t" tcp 0.0.0.0 80
	serve "srv$t" udp 0.0.0.0 80
	serve "ctr$t" tcp 0.0.0.0 80
	serve "inet$t" tcp 0.0.0.0 8080
	serve "inet$t" udp 0.0.0.0 8080
	fw4_filter "r$t" LAN WAN docker0
	# dockerd's nat table (iptables-nft), as `iptables-save' shows it.
	ipt_nat "r$t" <<-EOF
	:DOCKER - [0:0]
	-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER
	-A OUTPUT ! -d 127.0.0.0/8 -m addrtype --dst-type LOCAL -j DOCKER
	-A POSTROUTING -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE
	-A DOCKER -i docker0 -j RETURN
	-A DOCKER ! -i docker0 -p tcp -m tcp --dport 8080 -j DNAT --to-destination 172.17.0.2:80
	EOF
done
fw4_nat r$k LAN WAN 192.168.1.0/24 192.168.1.1 1.1.1.1 192.168.1.2 tcp 80 udp 80
hp r$h dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2 || fail rule
hp r$h dnat add dst 1.1.1.1 proto udp dport 80 to 192.168.1.2 || fail rule
warm lan 192.168.1.2

for ph in phase1 phase2; do
	for t in $h $k; do
		n "r$t" conntrack -F 2>/dev/null
	done
	hp r$h conn flush || fail "hairpin conn flush"
	if [ $ph = phase1 ]; then
		hp r$h snat add oif WAN src 192.168.1.0/24 masquerade || fail rule
	else
		hp r$h snat del oif WAN src 192.168.1.0/24 || fail rule
		hp r$h snat add oif WAN masquerade || fail rule
	fi
	inv0=$(ct_invalid r$h)
	scenario $ph 1.1.1.1 "container -> Internet, tcp" ctr tcp 2.2.2.2 8080
	scenario $ph 1.1.1.1 "container -> Internet, udp" ctr udp 2.2.2.2 8080
	scenario $ph 2.2.2.2 "Internet -> published port 8080, tcp" inet tcp 1.1.1.1 8080
	one_lan_scenarios $ph

	ct_once $ph "container -> Internet, SNAT to 1.1.1.1" -p tcp -s 172.17.0.2 \
		-d 2.2.2.2 --dport 8080 -r 2.2.2.2 -q 1.1.1.1 --src-nat
	ct_once $ph "container -> Internet (udp), SNAT to 1.1.1.1" -p udp -s 172.17.0.2 \
		-d 2.2.2.2 --dport 8080 -r 2.2.2.2 -q 1.1.1.1 --src-nat
	ct_once $ph "published port, DNAT to 172.17.0.2:80" -p tcp -s 2.2.2.2 \
		-d 1.1.1.1 --dport 8080 -r 172.17.0.2 --reply-port-src 80 -q 2.2.2.2 --dst-nat
	one_lan_conntrack $ph
	# Docker's connections are the kernel's, not nf_hairpin's.
	cnt=$(hp r$h conn list addr 172.17.0.2 | grep -c .)
	[ $ph = phase1 ] && expect_eq "$ph: nf_hairpin holds no container connection" 0 "$cnt"
	[ $ph = phase2 ] && log "$ph: nf_hairpin holds $cnt container connection(s)"
	inv=$(ct_invalid r$h)
	expect_eq "$ph: invalid packets in nf_hairpin's router's conntrack" 0 \
		$((inv - inv0))
	n r$h conntrack -L 2>/dev/null | sed "s/^/# $ph r$h conntrack: /"
done

scenario_table
expect_done
exit $ksft_pass
