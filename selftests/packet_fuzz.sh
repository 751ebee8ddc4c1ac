#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed and adversarial packets through every hook: 10,000 of them from
# nfhp_fuzz (truncated and broken IP headers, IP options, every TCP flag
# combination, UDP with wrong lengths and checksums, ICMP errors quoting
# truncated or forged headers, fragments out of order, duplicated,
# overlapping and incomplete, other protocols, the tuple of a live UDP
# mapping) from the Internet side (PREROUTING, forward and LOCAL_IN), from
# the LAN side (the hairpin path) and from the router itself (LOCAL_OUT,
# POSTROUTING).  The kernel log must stay clean (the runner scans it, with
# KASAN and kmemleak on the debug kernel); the malformed counter must grow
# by exactly what nfhp_fuzz sent that nf_hairpin cannot parse (each such
# packet goes to an address the router routes nowhere, so it passes one hook,
# or two from the router itself); the mappings made before stay, and new
# connections work after.
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1
#                                     |          blackhole 198.51.100.0/24
#                               [sw] br0         dummy "nowhere" 198.51.99.0/24
#                                |              |
#          [srv] 192.168.1.2:80, :5353/udp   [lan] 192.168.1.10
#
#   dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
#   dnat add dst 1.1.1.1 proto udp dport 53 to 192.168.1.2:5353
#   snat add oif WAN masquerade
. "$(dirname "$0")/lib.sh"
require_datapath
require jq
FUZZ=$NFHP_ROOT/selftests/nfhp_fuzz
[ -x "$FUZZ" ] || skip "nfhp_fuzz not built (make -C selftests)"

topo_one_lan ""
serve srv tcp 0.0.0.0 80
serve srv udp 0.0.0.0 5353
serve inet tcp 0.0.0.0 8080
check "forward tcp/80" hp r dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
check "forward udp/53" hp r dnat add dst 1.1.1.1 proto udp dport 53 \
	to 192.168.1.2:5353
check "masquerade" hp r snat add oif WAN masquerade
# Where the packets nf_hairpin cannot parse go: nowhere, silently.
n r ip route add blackhole 198.51.100.0/24 || fail "blackhole route"
n r ip link add nowhere type dummy && n r ip link set nowhere up &&
	n r ip route add 198.51.99.0/24 dev nowhere || fail "dummy route"

mac() { n r cat "/sys/class/net/$1/address"; }

# Mappings made before the storm, which must stay: a forwarded UDP flow
# from the Internet and a masqueraded one from the LAN.
check_eq "Internet UDP flow before" 2.2.2.2 \
	"$(saw inet udp 1.1.1.1 53 -b 2.2.2.2:40000 -t 3)"
check_eq "hairpin UDP flow before" 192.168.1.1 \
	"$(saw lan udp 1.1.1.1 53 -b 192.168.1.10:40001 -t 3)"
conns0=$(hstat r conns)

m0=$(hstat r malformed)
targets=(-t tcp:1.1.1.1:80 -t udp:1.1.1.1:53 -t tcp:1.1.1.1:22
	 -t udp:192.168.1.2:5353 -t tcp:2.2.2.2:8080 -t udp:192.168.1.1:53)
wan=$(n inet "$FUZZ" link eth0 "$(mac WAN)" -n 4000 -s 1 -x 198.51.100.1 \
	"${targets[@]}" -c udp:2.2.2.2:40000:1.1.1.1:53) ||
	fail "nfhp_fuzz from the Internet: $wan"
log "from the Internet: $wan"
lan=$(n lan "$FUZZ" link eth0 "$(mac LAN)" -n 4000 -s 2 -x 198.51.100.1 \
	"${targets[@]}" -c udp:192.168.1.10:40001:1.1.1.1:53) ||
	fail "nfhp_fuzz from the LAN: $lan"
log "from the LAN: $lan"
own=$(n r "$FUZZ" raw -n 2000 -s 3 -x 198.51.99.1 "${targets[@]}") ||
	fail "nfhp_fuzz from the router: $own"
log "from the router itself: $own"

field() { sed -n "s/.* $1 \([0-9]*\).*/\1/p" <<< "$2"; }
sent=$(( $(field sent " $wan") + $(field sent " $lan") + $(field sent " $own") ))
[ "$sent" -ge 10000 ] || fail "only $sent packets sent"
# Each malformed packet passes one hook when it comes from a link (it goes
# to a blackhole after PREROUTING), two when the router sends it
# (LOCAL_OUT, then POSTROUTING on the dummy device).
want=$(( $(field malformed " $wan") + $(field malformed " $lan") +
	 2 * $(field malformed " $own") ))
enough() { [ "$(hstat r malformed)" -ge $((m0 + want)) ]; }
slowwait 5 enough
check_eq "malformed counter accounts for every unparseable packet" \
	$((m0 + want)) "$(hstat r malformed)"

check_eq "Internet UDP flow after, same mapping" 2.2.2.2 \
	"$(saw inet udp 1.1.1.1 53 -b 2.2.2.2:40000 -t 3)"
check_eq "hairpin UDP flow after, same mapping" 192.168.1.1 \
	"$(saw lan udp 1.1.1.1 53 -b 192.168.1.10:40001 -t 3)"
check_eq "new forwarded TCP connection" 2.2.2.2 "$(saw inet tcp 1.1.1.1 80)"
check_eq "new hairpin TCP connection" 192.168.1.1 "$(saw lan tcp 1.1.1.1 80)"
check_eq "new masqueraded TCP connection" 1.1.1.1 "$(saw lan tcp 2.2.2.2 8080)"
check_eq "conn list agrees with the counter" "$(hstat r conns)" \
	"$(hp r -j conn list | jq length)"
log "connections before $conns0, after $(hstat r conns)"
hp r stats | sed 's/^/#   /'
echo "# fuzz: sent $sent, malformed $want"
exit $ksft_pass
