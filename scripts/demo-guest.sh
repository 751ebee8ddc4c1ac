#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The inside of `make demo' (scripts/demo.sh), run as root in the VM.
set -u
ko=$1
hp=$PWD/tools/hairpin/hairpin
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { echo "  [$1] \$ ${*:2}"; ip netns exec "$1" "${@:2}" 2>&1 | sed 's/^/    /'; }

insmod "$ko" || exit 1
for ns in inet router client server; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add WAN netns router type veth peer name eth0 netns inet
ip -n router link add br-lan type bridge
for h in client server; do
	ip link add "lan-$h" netns router type veth peer name eth0 netns "$h"
	ip -n router link set "lan-$h" master br-lan up
done
ip -n router addr add 1.1.1.1/24 dev WAN
ip -n router addr add 192.168.1.1/24 dev br-lan
ip -n inet addr add 2.2.2.2/24 dev eth0
ip -n client addr add 192.168.1.10/24 dev eth0
ip -n server addr add 192.168.1.2/24 dev eth0
ip -n inet route add default via 1.1.1.1 2>/dev/null || true
for ns in router inet client server; do ip -n "$ns" link set all up 2>/dev/null; done
for l in WAN br-lan; do ip -n router link set "$l" up; done
ip -n inet link set eth0 up
ip -n inet addr flush dev eth0; ip -n inet addr add 2.2.2.2/8 dev eth0
ip -n inet route add 1.1.1.1/32 dev eth0
ip -n client link set eth0 up; ip -n server link set eth0 up
ip -n client route add default via 192.168.1.1
ip -n server route add default via 192.168.1.1
ip netns exec router sysctl -qw net.ipv4.ip_forward=1
ip netns exec server socat TCP-LISTEN:80,fork,reuseaddr \
	SYSTEM:'echo "hello from 192.168.1.2, you are $SOCAT_PEERADDR"' &
sleep 1

say "Rules (seed 004, reflection off to show the failure):"
run router "$hp" dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2 noreflect
run router "$hp" snat add oif WAN masquerade
run router "$hp" dnat list

say "1. The Internet host 2.2.2.2 connects to 1.1.1.1:80"
run inet socat -T3 - TCP:1.1.1.1:80,connect-timeout=3
run router "$hp" conn list

say "2. The LAN client 192.168.1.10 connects to 1.1.1.1:80 (noreflect)"
run client socat -T3 - TCP:1.1.1.1:80,connect-timeout=3 || true
echo "    (no answer: the server replied to 192.168.1.10 directly, from 192.168.1.2)"
run router "$hp" conn list

say "3. Reflection on (the default) and the same connection again"
run router "$hp" dnat del dst 1.1.1.1 proto tcp dport 80
run router "$hp" dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
run client socat -T3 - TCP:1.1.1.1:80,connect-timeout=3
run router "$hp" conn list
say "The step table, as the router saw it: orig is steps 1/4, reply steps 2/3."

kill %1 2>/dev/null
for ns in inet router client server; do ip netns del "$ns"; done
rmmod nf_hairpin
