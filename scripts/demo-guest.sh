#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The inside of `make demo' (scripts/demo.sh), run as root in the VM.
set -u
ko=$1
hp=$PWD/tools/hairpin/hairpin
say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { echo "  [$1] \$ ${*:2}"; ip netns exec "$1" "${@:2}" 2>&1 | sed 's/^/    /'; }

modprobe -q nf_defrag_ipv4
modprobe -q nf_nat
insmod "$ko" || exit 1
for ns in inet router client server; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add WAN netns router type veth peer name eth0 netns inet
ip -n router link add br-lan type bridge
for h in client server; do
	ip link add "lan-$h" netns router type veth peer name eth0 netns "$h"
	ip -n router link set "lan-$h" master br-lan up
	ip -n "$h" link set eth0 up
done
ip -n router link set WAN up
ip -n router link set br-lan up
ip -n inet link set eth0 up
ip -n router addr add 1.1.1.1/24 dev WAN
ip -n router route add 2.2.2.2/32 dev WAN
ip -n router addr add 192.168.1.1/24 dev br-lan
ip -n inet addr add 2.2.2.2/32 dev eth0
ip -n inet route add default dev eth0
ip -n client addr add 192.168.1.10/24 dev eth0
ip -n server addr add 192.168.1.2/24 dev eth0
ip -n client route add default via 192.168.1.1
ip -n server route add default via 192.168.1.1
ip netns exec router sysctl -qw net.ipv4.ip_forward=1
ip netns exec server socat TCP-LISTEN:80,fork,reuseaddr \
	SYSTEM:'echo "hello from 192.168.1.2, you are $SOCAT_PEERADDR"' &
sleep 1

say "Rules (MikroTik's example, reflection off to show the failure):"
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
say "Each connection as the page's step table (from hairpin -j conn list):"
ip netns exec router "$hp" -j conn list | python3 -c '
import json, sys
for c in sorted(json.load(sys.stdin), key=lambda c: c["orig"]["sport"]):
    o, r = c["orig"], c["reply"]
    snat = r["dst"] != o["src"]
    replied = c["flags"]["replied"]
    print("    %s:%d -> %s:%d (%s)" % (o["src"], o["sport"], o["dst"],
                                      o["dport"], c["state"]))
    steps = [(o["src"], o["dst"], "client -> router"),
             (r["dst"], r["src"], "router: DNAT" + (" and SNAT" if snat else ""))]
    if snat or replied:
        steps += [(r["src"], r["dst"], "server -> router"),
                  (o["dst"], o["src"], "router: un-" + ("SNAT, un-" if snat else "") + "DNAT")]
    else:
        steps += [(r["src"], r["dst"], "server -> client directly: dropped")]
    for i, (src, dst, what) in enumerate(steps, 1):
        print("      Step %d  Source IP %-14s Destination IP %-14s %s"
              % (i, src, dst, what))
'

kill %1 2>/dev/null
for ns in inet router client server; do ip netns del "$ns"; done
rmmod nf_hairpin
