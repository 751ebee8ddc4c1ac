#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Mappings (endpoint-independent mapping, hairpinning into a mapping,
# endpoint-independent filtering) where they meet the rest of a router,
# seed 004's addresses (topo_one_lan):
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1
#                                        |
#                                 [sw] br0 (switch)
#                                  |             |
#               [srv] 192.168.1.2       [lan] 192.168.1.10
#
# nf_hairpin masquerades out of WAN under OpenWrt's fw4 filter (lib.sh
# fw4_filter), conntrack tracking every packet.
# - The router's own sockets keep their ports: srv holds the mappings
#   1.1.1.1:7002/udp and 1.1.1.1:7004/tcp (it went out from those ports),
#   the router has a UDP socket on 1.1.1.1:7002 and a TCP listener on
#   7004.  A LAN client (hairpinning) and, with endpoint-independent
#   filtering, an Internet host reach the router's sockets, not srv.
# - An Internet host let in on srv's mapping 1.1.1.1:7000 by
#   endpoint-independent filtering passes fw4 (`ct status dnat') and reaches
#   srv; conntrack shows the translation; with the default filtering it
#   does not.
# - With the default filtering, an Internet host's TCP SYN to srv's mapping
#   is dropped (map_filtered), not answered with the router's RST (RFC
#   5382 REQ-4); the router's own packets to a mapping (back through
#   loopback) reach the router's stack as without nf_hairpin.
# - An external address on a dummy interface (a routed prefix): the
#   Internet, on the SNAT rule's oif, is outside, the LAN inside.
# - A host sending to its own mapping is not hairpinned to itself.
# - An ICMP port unreachable for a mapping leaves it (RFC 4787 REQ-12):
#   the next datagram goes out from the same port.
# - ICMP echo identifiers are mapped endpoint-independently: srv's echoes
#   with one identifier to two Internet addresses leave with one mapped
#   identifier, lan's with the same identifier with another.
. "$(dirname "$0")/lib.sh"
require_datapath
require nft conntrack

topo_one_lan ""
fw4_filter r LAN WAN
check "masquerade out of WAN" hp r snat add oif WAN masquerade
"$PEER" -n "${pfx}inet" server udp 2.2.2.2 5000 || fail "udp server in inet"
"$PEER" -n "${pfx}inet" server tcp 2.2.2.2 6000 || fail "tcp server in inet"

# ext NS ARGS...: the external endpoint the Internet server saw.
ext() {
	local a
	a=$(ask "$@" -t 2)
	echo "${a%% *}"
}

# The router's own sockets.
check_eq "srv's udp mapping on 7002" 1.1.1.1:7002 \
	"$(ext srv udp 2.2.2.2 5000 -b 192.168.1.2:7002)"
check_eq "srv's tcp mapping on 7004" 1.1.1.1:7004 \
	"$(ext srv tcp 2.2.2.2 6000 -b 192.168.1.2:7004)"
"$PEER" -n "${pfx}srv" server udp 192.168.1.2 7002 || fail "udp server in srv"
"$PEER" -n "${pfx}srv" server tcp 192.168.1.2 7004 || fail "tcp server in srv"
"$PEER" -n "${pfx}r" server udp 1.1.1.1 7002 || fail "udp socket in r"
"$PEER" -n "${pfx}r" server tcp 0.0.0.0 7004 || fail "tcp listener in r"
# fw4's input chain rejects from the WAN: open the two ports, as an
# administrator does for a service of the router's.
n r nft insert rule inet fw4 input_wan udp dport 7002 accept ||
	fail "open 7002/udp"
n r nft insert rule inet fw4 input_wan tcp dport 7004 accept ||
	fail "open 7004/tcp"
check_eq "LAN -> 1.1.1.1:7002/udp: the router's socket answers" \
	192.168.1.10:42002 "$(ext lan udp 1.1.1.1 7002 -b 192.168.1.10:42002)"
check_eq "LAN -> 1.1.1.1:7004/tcp: the router's listener answers" \
	192.168.1.10 "$(saw lan tcp 1.1.1.1 7004 -b 192.168.1.10:42004 -t 2)"
check "filtering endpoint-independent" \
	hp r config set filtering endpoint-independent
check_eq "Internet -> 1.1.1.1:7004/tcp: the router's listener answers" \
	2.2.2.2 "$(saw inet tcp 1.1.1.1 7004 -b 2.2.2.2:9004 -t 2)"
check_eq "no connection hairpinned or let in for them" 0 \
	"$(( $(hstat r map_hairpin) + $(hstat r map_in) ))"

# Endpoint-independent filtering under fw4.
check "filtering address-and-port-dependent" \
	hp r config set filtering address-and-port-dependent
check_eq "srv's udp mapping on 7000" 1.1.1.1:7000 \
	"$(ext srv udp 2.2.2.2 5000 -b 192.168.1.2:7000)"
"$PEER" -n "${pfx}srv" server udp 192.168.1.2 7000 || fail "udp server in srv"
check_eq "default filtering: another Internet port is not let in" "" \
	"$(saw inet udp 1.1.1.1 7000 -b 2.2.2.2:9000 -t 1)"
check "filtering endpoint-independent" \
	hp r config set filtering endpoint-independent
check_eq "endpoint-independent: let in through fw4 to srv" 2.2.2.2:9001 \
	"$(ext inet udp 1.1.1.1 7000 -b 2.2.2.2:9001)"
check_eq "counted in map_in" 1 "$(hstat r map_in)"
check_eq "conntrack shows it translated to srv" 1 \
	"$(ct_count r -p udp --orig-src 2.2.2.2 --orig-port-src 9001 \
		--reply-src 192.168.1.2 --dst-nat)"
check_eq "fw4 counted no invalid packet" 0 "$(ct_invalid r)"

# Unsolicited SYN from outside: dropped, not reset.
check "filtering address-and-port-dependent (again)" \
	hp r config set filtering address-and-port-dependent
check_eq "srv's tcp mapping on 7006" 1.1.1.1:7006 \
	"$(ext srv tcp 2.2.2.2 6000 -b 192.168.1.2:7006)"
check_fails "Internet -> 1.1.1.1:7006/tcp: no connection" \
	ask inet tcp 1.1.1.1 7006 -b 2.2.2.2:9006 -t 1
ask inet tcp 1.1.1.1 7006 -b 2.2.2.2:9007 -t 1 2> "$tmp/syn" >/dev/null
check "... timed out, no reset from the router" grep -q "timed out" "$tmp/syn"
# (two connections, a SYN each and maybe its retransmission)
check "counted in map_filtered (at least 2: $(hstat r map_filtered))" \
	test "$(hstat r map_filtered)" -ge 2
# The router itself to srv's udp mapping: its own stack answers (port
# unreachable), nothing is hairpinned or dropped.
hp0=$(hstat r map_hairpin)
n r "$PEER" client udp 1.1.1.1 7000 -t 1 2> "$tmp/lo" >/dev/null
check "router -> 1.1.1.1:7000: refused by its own stack" \
	grep -q "refused" "$tmp/lo"
check_eq "... not hairpinned" "$hp0" "$(hstat r map_hairpin)"

# A host sending to its own mapping: nothing to hairpin.
hp0=$(hstat r map_hairpin)
check_eq "srv -> its own mapping 1.1.1.1:7000 is not hairpinned" "$hp0" \
	"$(ask srv udp 1.1.1.1 7000 -b 192.168.1.2:7000 -t 1 >/dev/null 2>&1; hstat r map_hairpin)"

# ICMP port unreachable from the Internet for a mapping.
check_eq "srv's udp mapping on 7010" 1.1.1.1:7010 \
	"$(ext srv udp 2.2.2.2 5000 -b 192.168.1.2:7010)"
check_fails "srv -> a closed Internet port: refused" \
	ask srv udp 2.2.2.2 5999 -b 192.168.1.2:7010 -t 1
check_eq "after the port unreachable: still 1.1.1.1:7010" 1.1.1.1:7010 \
	"$(ext srv udp 2.2.2.2 5000 -b 192.168.1.2:7010)"

# ICMP echo: one mapped identifier per host and identifier.
n inet ip addr add 2.2.2.3/24 dev eth0 || fail "2.2.2.3 in inet"
PROTO=$NFHP_ROOT/selftests/nfhp_proto.py
check "lan: echo id 4343 to 2.2.2.2" n lan python3 "$PROTO" echo 2.2.2.2 4343 1
check "srv: echo id 4343 to 2.2.2.2" n srv python3 "$PROTO" echo 2.2.2.2 4343 1
check "srv: echo id 4343 to 2.2.2.3" n srv python3 "$PROTO" echo 2.2.2.3 4343 1
hp r conn list | grep icmp | sed 's/^/#   /'
ids() {
	hp r -j conn list | jq -c --arg h "$1" '[.[] | select(.proto == "icmp"
		and .orig.src == $h and .orig.sport == 4343) | .reply.dport]
		| unique'
}
srv_ids=$(ids 192.168.1.2)
lan_ids=$(ids 192.168.1.10)
check_eq "srv: both echoes leave with one identifier" 1 \
	"$(jq length <<< "$srv_ids")"
check "lan's identifier is another" test "$srv_ids" != "$lan_ids"
# An external address on a dummy interface, SNAT to it out of WAN.
n r ip link add d0 type dummy && n r ip link set d0 up &&
	n r ip addr add 5.5.5.5/32 dev d0 || fail "dummy d0 in r"
n inet ip route add 5.5.5.5/32 via 1.1.1.1 || fail "route to 5.5.5.5"
# The SNAT rule's own oif says where outside is: no masquerade rule now.
check "masquerade rule deleted" hp r snat del oif WAN masquerade
check "snat to 5.5.5.5 for srv" hp r snat add src 192.168.1.2/32 oif WAN to 5.5.5.5
check "... and lan" hp r snat add src 192.168.1.10/32 oif WAN to 5.5.5.5
n r nft insert rule inet fw4 input_wan ip daddr 5.5.5.5 accept ||
	fail "accept to 5.5.5.5"
check_eq "srv's mapping 5.5.5.5:7020" 5.5.5.5:7020 \
	"$(ext srv udp 2.2.2.2 5000 -b 192.168.1.2:7020)"
"$PEER" -n "${pfx}srv" server udp 192.168.1.2 7020 || fail "udp server in srv"
check_eq "LAN -> 5.5.5.5:7020: hairpinned, from lan's mapping" 5.5.5.5:42020 \
	"$(ext lan udp 5.5.5.5 7020 -b 192.168.1.10:42020)"
check "filtering address-and-port-dependent (5.5.5.5)" \
	hp r config set filtering address-and-port-dependent
check_eq "Internet -> 5.5.5.5:7020 (arrives on WAN: outside): filtered" "" \
	"$(saw inet udp 5.5.5.5 7020 -b 2.2.2.2:9020 -t 1)"

exit 0
