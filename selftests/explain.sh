#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `hairpin explain' answers "it works from outside, why not from inside?"
# with the packet path's own decision, and must agree with what the first
# real packet then does.  For every seed topology, explain's connection
# (-j: its tuples, rules, reflected or not) is compared with the
# connection the real first packet creates, taken from `conn list':
#
# seed 004 (the MikroTik "Hairpin NAT" write-up, topo_one_lan):
#   LAN client (reflected), Internet client (not: answers come back
#   through the router), the rule with noreflect (the server answers the
#   LAN client directly), a port no rule forwards (nothing), a LAN host to
#   the Internet (masquerade); and the text output shows the write-up's
#   step table for the LAN client.
# seed 001 (three networks, topo_three_networks): the DMZ client is
#   reflected, the trusted-LAN client is not.
. "$(dirname "$0")/lib.sh"
require_datapath
require jq

# agree LABEL ROUTER CLIENT-NS IIF SRC SPORT DST DPORT: explain, then the
# real connection from SRC:SPORT; the two must be the same connection.
agree() {
	local label=$1 r=$2 ns=$3 iif=$4 src=$5 sport=$6 dst=$7 dport=$8
	local pred want real
	pred=$(hp "$r" -j explain iif "$iif" src "$src:$sport" \
		dst "$dst:$dport" proto tcp) || fail "$label: explain failed"
	log "$label: $pred"
	ask "$ns" tcp "$dst" "$dport" -b "$src:$sport" -t 1 >/dev/null 2>&1
	want=$(jq -c '.conn | if . == null then null else
		{orig, reply, dnat_id, snat_id, reflected} end' <<< "$pred")
	real=$(hp "$r" -j conn list | jq -c --arg s "$src" --argjson p "$sport" \
		'[.[] | select(.orig.src == $s and .orig.sport == $p)] | first |
		 if . == null then null else {orig, reply, dnat_id, snat_id,
		 reflected: .flags.reflected} end')
	check_eq "$label: explain's connection is the one the packet made" \
		"$real" "$want"
	verdict=$(jq -r .verdict <<< "$pred")
	snat=$(jq -r .snat <<< "$pred")
}

# ---- seed 004 ----
topo_one_lan 4
check "seed 004: the forward" hp r4 dnat add dst 1.1.1.1 proto tcp dport 80 \
	to 192.168.1.2
check "seed 004: the masquerade" hp r4 snat add oif WAN masquerade
serve srv4 tcp 192.168.1.2 80
serve inet4 tcp 2.2.2.2 80
# neighbours resolved: a failure below is the NAT's
[ -n "$(saw lan4 tcp 192.168.1.2 80 -t 2)" ] || fail "lan4 cannot reach srv4"

agree "seed 004, LAN client" r4 lan4 LAN 192.168.1.10 41000 1.1.1.1 80
check_eq "seed 004, LAN client: forwarded" forward "$verdict"
check_eq "seed 004, LAN client: reflected" reflect "$snat"
text=$(hp r4 explain iif LAN src 192.168.1.10:41100 dst 1.1.1.1:80 proto tcp)
echo "$text" | sed 's/^/#   /'
check "seed 004, LAN client: the write-up's step table" \
	grep -q "Step 1  Source IP 192.168.1.10 *Destination IP 1.1.1.1 " <<< "$text"
check "... step 2: from the router's LAN address to the server" \
	grep -q "Step 2  Source IP 192.168.1.1 *Destination IP 192.168.1.2 " <<< "$text"
check "... step 3: the server answers the router" \
	grep -q "Step 3  Source IP 192.168.1.2 *Destination IP 192.168.1.1 " <<< "$text"
check "... step 4: the router answers as 1.1.1.1" \
	grep -q "Step 4  Source IP 1.1.1.1 *Destination IP 192.168.1.10 " <<< "$text"

agree "seed 004, Internet client" r4 inet4 WAN 2.2.2.2 41001 1.1.1.1 80
check_eq "seed 004, Internet client: forwarded" forward "$verdict"
check_eq "seed 004, Internet client: no SNAT, answers come back through us" \
	not-onlink "$snat"

agree "seed 004, LAN to the Internet" r4 lan4 LAN 192.168.1.10 41002 2.2.2.2 80
check_eq "seed 004, LAN to the Internet: masquerade" masquerade "$verdict"

agree "seed 004, a port no rule forwards" r4 inet4 WAN 2.2.2.2 41003 1.1.1.1 81
check_eq "seed 004, port 81: nothing to do" none "$verdict"

check "seed 004: the forward, noreflect" hp r4 dnat del 1
check "... added again" hp r4 dnat add dst 1.1.1.1 proto tcp dport 80 \
	to 192.168.1.2 noreflect
agree "seed 004 noreflect, LAN client" r4 lan4 LAN 192.168.1.10 41004 1.1.1.1 80
check_eq "seed 004 noreflect, LAN client: the rule says noreflect" \
	noreflect "$snat"

# ---- seed 001 ----
topo_three_networks 1
check "seed 001: the forward" hp r1 dnat add dst 100.0.0.254 proto tcp \
	dport 80 to 172.16.0.1
check "seed 001: the masquerade" hp r1 snat add oif ext masquerade
serve srv1 tcp 172.16.0.1 80
for c in dcli1 tcli1; do
	[ -n "$(saw $c tcp 172.16.0.1 80 -t 2)" ] || fail "$c cannot reach srv1"
done
agree "seed 001, DMZ client" r1 dcli1 dmz 172.16.0.2 41010 100.0.0.254 80
check_eq "seed 001, DMZ client: reflected" reflect "$snat"
agree "seed 001, trusted-LAN client" r1 tcli1 trusted 192.168.0.2 41011 \
	100.0.0.254 80
check_eq "seed 001, trusted-LAN client: not reflected" not-onlink "$snat"
hp r1 explain iif trusted src 192.168.0.2:41111 dst 100.0.0.254:80 proto tcp |
	sed 's/^/#   /'
exit 0
