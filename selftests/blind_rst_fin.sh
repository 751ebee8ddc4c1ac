#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Blind RST and FIN: an idle forwarded TCP connection, then RSTs and FINs
# with wrong sequence numbers on its exact tuple, forged from the Internet
# side (and SYN/FIN, SYN/RST).  nf_hairpin must leave the connection established (counting them in
# tcp_out_of_window), and after 15 s idle it must still carry data both
# ways; the real client's own RST (SO_LINGER 0: at its SND.NXT, in window)
# must still end it.  The same attack against the kernel's NAT (nft dnat,
# nf_conntrack) in a second copy of the topology, in the same boot, is the
# reference: its outcome is printed as `# info'.
#
#   T = h (nf_hairpin), k (the kernel's NAT):
#
#   [inet$T] 2.2.2.2:40000 ---- WAN 1.1.1.1 [r$T] LAN 192.168.1.1
#    client, forger                            |
#                                       [sw$T] br0 (switch)
#                                        |              |
#                  [srv$T] 192.168.1.2:80 (echo)   [lan$T] 192.168.1.10
#
#   r$h: hairpin dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
#   r$k: nft ... ip daddr 1.1.1.1 tcp dport 80 dnat to 192.168.1.2
. "$(dirname "$0")/lib.sh"
require_datapath
require jq socat nft python3
h=h
k=k

topo_one_lan "$h"
topo_one_lan "$k"
check "port forward (nf_hairpin)" hp "r$h" dnat add dst 1.1.1.1 proto tcp \
	dport 80 to 192.168.1.2
n "r$k" nft -f - <<-EOF || fail "nft dnat"
	table ip nat {
		chain prerouting {
			type nat hook prerouting priority dstnat;
			ip daddr 1.1.1.1 tcp dport 80 dnat to 192.168.1.2
		}
	}
EOF

# The long-lived connection of each copy: an echo server, a client that
# holds the connection and acts on demand (held_start in lib.sh).
held_start $h $k
# state: the forwarded connection's state in nf_hairpin's table.
state() { hp "r$h" -j conn list | jq -r '.[0].state // "none"'; }
tmo() { hp "r$h" -j conn list | jq -r '.[0].timeout // 0'; }

for t in $h $k; do
	slowwait 10 held_result "$t" up || fail "client of copy $t did not connect"
done
check_eq "connection established (nf_hairpin)" established "$(state)"

# The client's next sequence number as the wire shows it: a ping, read.
seq_of() {
	local t=$1 s
	n "inet$t" python3 "$TCPH" seq eth0 40000 80 5 > "$tmp/$t/seq" &
	s=$!
	slowwait 10 grep -q ready "$tmp/$t/seq" || fail "sniffer in inet$t"
	[ "$(held_ping "$t")" = ok ] || fail "ping through copy $t"
	wait "$s" || fail "no segment seen in inet$t"
	[ "$(wc -l < "$tmp/$t/seq")" = 2 ] || fail "no segment seen in inet$t"
	tail -n1 "$tmp/$t/seq" | cut -d' ' -f1
}

# The forgeries, each a blind guess away from the client's SND.NXT: far
# off, just outside the 1 MiB window, behind; RST, RST/ACK, FIN, FIN/ACK.
# Then SYN/FIN and SYN/RST/ACK far off, and SYN/FIN right at SND.NXT: no
# stack sends these.  (Not SYN/RST at SND.NXT: the server would take it as
# the exact RST it is; that is no blind guess.)
forge() {
	local t=$1 nxt=$2 off flags
	for off in 2147483648 4194304 -1073741824 -5000000; do
		for flags in R RA F FA; do
			n "inet$t" python3 "$TCPH" send 2.2.2.2 40000 1.1.1.1 80 \
				"$flags" $(((nxt + off) & 0xffffffff)) 12345 ||
				fail "forging $flags in inet$t"
		done
	done
	for flags in SF SRA; do
		n "inet$t" python3 "$TCPH" send 2.2.2.2 40000 1.1.1.1 80 \
			"$flags" $(((nxt + 2147483648) & 0xffffffff)) 12345 ||
			fail "forging $flags in inet$t"
	done
	n "inet$t" python3 "$TCPH" send 2.2.2.2 40000 1.1.1.1 80 SF "$nxt" ||
		fail "forging SF in inet$t"
}
forged=19

oow0=$(hstat "r$h" tcp_out_of_window)
for t in $h $k; do
	nxt=$(seq_of "$t") || exit $ksft_fail
	log "client's SND.NXT through copy $t: $nxt"
	forge "$t" "$nxt"
done
check_eq "blind RST and FIN: still established (nf_hairpin)" established \
	"$(state)"
check_eq "tcp_out_of_window counts every forgery" $((oow0 + forged)) \
	"$(hstat "r$h" tcp_out_of_window)"
t_left=$(tmo)
check "timeout still that of an established connection ($t_left s)" \
	test "$t_left" -gt 7000

# 15 s idle, then a line each way (the echo comes back from the server).
log "15 s idle"
sleep 15
check_eq "after 15 s idle: data both ways (nf_hairpin)" ok "$(held_ping $h)"
log "info: the kernel's NAT, after the same forgeries and 15 s idle: $(held_ping $k)"
check_eq "still established (nf_hairpin)" established "$(state)"

# The real client's own reset, at its SND.NXT: in window, it ends the
# connection (close, then gone within its 10 s).
for t in $h $k; do
	echo rst > "$tmp/$t/cmd"
	slowwait 5 held_result "$t" "rst sent" || fail "client of copy $t: no rst"
done
slowwait 5 sh -c "[ \"\$($HAIRPIN -n ${pfx}r$h -j conn list | jq -r '.[0].state // \"none\"')\" != established ]"
st=$(state)
check "in-window RST from the peer ends it (state $st)" \
	test "$st" = close -o "$st" = none
check "the server's socket is gone too" slowwait 5 sh -c \
	"! ip netns exec ${pfx}srv$h ss -Htn state established | grep -q ':80 '"
log "info: the kernel's NAT: server's socket after the client's RST: $(
	n "srv$k" ss -Htn state established | grep -c ':80 ') established"
hp "r$h" stats | sed 's/^/#   /'
exit $ksft_pass
