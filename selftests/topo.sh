#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Topology builders for the seed scenarios, shared by the seed tests and
# differential.sh.  Source after lib.sh.  Every builder takes a TAG that
# suffixes its namespace names, so that two copies (one NATed by
# nf_hairpin, one by the kernel's iptables/nftables NAT) live side by side
# in one boot.
#
# Helpers:
#   serve NS tcp|udp ADDR PORT     start an nfhp_peer server, wait until it listens
#   ask NS tcp|udp ADDR PORT [..]  run an nfhp_peer client, print the answer
#   saw NS tcp|udp ADDR PORT       the address the server saw (or nothing)

PEER=$NFHP_ROOT/selftests/nfhp_peer
[ -x "$PEER" ] || skip "nfhp_peer not built (make -C selftests)"
[ -x "$HAIRPIN" ] || skip "hairpin not built (make cli)"
FLOOD=$NFHP_ROOT/selftests/nfhp_flood
require_flood() {
	[ -x "$FLOOD" ] || skip "nfhp_flood not built (make -C selftests)"
}

# veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
veth() {
	ip link add "$2" netns "$pfx$1" type veth peer name "$4" netns "$pfx$3" ||
		fail "veth $1:$2 - $3:$4"
	ip -n "$pfx$1" link set "$2" up
	ip -n "$pfx$3" link set "$4" up
}

# bridge NS BR PORT...: a bridge with these ports, up.
bridge() {
	local ns=$1 br=$2 p
	shift 2
	ip -n "$pfx$ns" link add "$br" type bridge
	for p in "$@"; do
		ip -n "$pfx$ns" link set "$p" master "$br"
	done
	ip -n "$pfx$ns" link set "$br" up
}

router() {
	n "$1" sysctl -qw net.ipv4.ip_forward=1
}

serve() {
	local ns=$1 proto=$2 addr=$3 port=$4 i opt=-Hltn
	n "$ns" $PEER server "$proto" "$addr" "$port" &
	disown $!
	[ "$proto" = udp ] && opt=-Hlun
	for i in $(seq 50); do
		[ -n "$(n "$ns" ss $opt "sport = :$port")" ] && return 0
		sleep 0.1
	done
	fail "server $proto $addr:$port in $ns did not start"
}

ask() {
	local ns=$1
	shift
	n "$ns" $PEER client "$@"
}

# The address part of the server's answer; empty if no answer.
saw() {
	ask "$@" 2>/dev/null | sed -n '1s/:.*//p'
}

# Seed 004 (MikroTik hairpin NAT):
#
#   [inet$T] 2.2.2.2 ---- WAN 1.1.1.1 [r$T] LAN 192.168.1.1
#                                            |
#                                     [sw$T] br0 (switch)
#                                      |             |
#                   [srv$T] 192.168.1.2:80   [lan$T] 192.168.1.10
topo_004() {
	local t=$1
	ns_add "r$t" "inet$t" "sw$t" "srv$t" "lan$t"
	veth "r$t" WAN "inet$t" eth0
	veth "r$t" LAN "sw$t" p0
	veth "sw$t" p1 "srv$t" eth0
	veth "sw$t" p2 "lan$t" eth0
	bridge "sw$t" br0 p0 p1 p2
	router "r$t"
	ip -n "$pfx"r$t addr add 1.1.1.1/24 dev WAN
	ip -n "$pfx"r$t route add 2.2.2.2/32 dev WAN
	ip -n "$pfx"r$t route add default via 2.2.2.2 dev WAN
	ip -n "$pfx"r$t addr add 192.168.1.1/24 dev LAN
	ip -n "$pfx"inet$t addr add 2.2.2.2/24 dev eth0
	ip -n "$pfx"inet$t route add 1.1.1.1/32 dev eth0
	ip -n "$pfx"inet$t route add default via 1.1.1.1
	ip -n "$pfx"srv$t addr add 192.168.1.2/24 dev eth0
	ip -n "$pfx"srv$t route add default via 192.168.1.1
	ip -n "$pfx"lan$t addr add 192.168.1.10/24 dev eth0
	ip -n "$pfx"lan$t route add default via 192.168.1.1
}

# Seeds 000 and 002 (OpenWrt-style router with a real bridge):
#
#   [inet$T] 203.0.113.7 ---- wan 82.120.11.22 [r$T] br-lan 192.168.1.1
#                                                     (bridge: lan1 lan2)
#                                                      |            |
#                              [srv$T] 192.168.1.200:80   [lan$T] 192.168.1.10
topo_000() {
	local t=$1
	ns_add "r$t" "inet$t" "srv$t" "lan$t"
	veth "r$t" wan "inet$t" eth0
	veth "r$t" lan1 "srv$t" eth0
	veth "r$t" lan2 "lan$t" eth0
	bridge "r$t" br-lan lan1 lan2
	router "r$t"
	ip -n "$pfx"r$t addr add 82.120.11.22/24 dev wan
	ip -n "$pfx"r$t route add 203.0.113.7/32 dev wan
	ip -n "$pfx"r$t route add default via 203.0.113.7 dev wan
	ip -n "$pfx"r$t addr add 192.168.1.1/24 dev br-lan
	ip -n "$pfx"inet$t addr add 203.0.113.7/24 dev eth0
	ip -n "$pfx"inet$t route add 82.120.11.22/32 dev eth0
	ip -n "$pfx"inet$t route add default via 82.120.11.22
	ip -n "$pfx"srv$t addr add 192.168.1.200/24 dev eth0
	ip -n "$pfx"srv$t route add default via 192.168.1.1
	ip -n "$pfx"lan$t addr add 192.168.1.10/24 dev eth0
	ip -n "$pfx"lan$t route add default via 192.168.1.1
}

# Seed 001 (three-network router, DNAT how-to):
#
#                 [inet$T] 123.45.6.7
#                        |
#                  ext 100.0.0.254
#   [r$T] dmz 172.16.0.254          trusted 192.168.0.254
#              |                              |
#       [dsw$T] br0 (switch)          [tcli$T] 192.168.0.2
#        |               |
#   [srv$T] 172.16.0.1:80   [dcli$T] 172.16.0.2
topo_001() {
	local t=$1
	ns_add "r$t" "inet$t" "dsw$t" "srv$t" "dcli$t" "tcli$t"
	veth "r$t" ext "inet$t" eth0
	veth "r$t" dmz "dsw$t" p0
	veth "dsw$t" p1 "srv$t" eth0
	veth "dsw$t" p2 "dcli$t" eth0
	bridge "dsw$t" br0 p0 p1 p2
	veth "r$t" trusted "tcli$t" eth0
	router "r$t"
	ip -n "$pfx"r$t addr add 100.0.0.254/24 dev ext
	ip -n "$pfx"r$t route add 123.45.6.7/32 dev ext
	ip -n "$pfx"r$t route add default via 123.45.6.7 dev ext
	ip -n "$pfx"r$t addr add 172.16.0.254/24 dev dmz
	ip -n "$pfx"r$t addr add 192.168.0.254/24 dev trusted
	ip -n "$pfx"inet$t addr add 123.45.6.7/24 dev eth0
	ip -n "$pfx"inet$t route add 100.0.0.254/32 dev eth0
	ip -n "$pfx"inet$t route add default via 100.0.0.254
	ip -n "$pfx"srv$t addr add 172.16.0.1/24 dev eth0
	ip -n "$pfx"srv$t route add default via 172.16.0.254
	ip -n "$pfx"dcli$t addr add 172.16.0.2/24 dev eth0
	ip -n "$pfx"dcli$t route add default via 172.16.0.254
	ip -n "$pfx"tcli$t addr add 192.168.0.2/24 dev eth0
	ip -n "$pfx"tcli$t route add default via 192.168.0.254
}

hp() {
	local ns=$1
	shift
	n "$ns" "$HAIRPIN" "$@"
}
