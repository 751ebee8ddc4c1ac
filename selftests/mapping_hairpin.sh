#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hairpinning through masquerade mappings (RFC 4787 REQ-9, RFC 5382
# REQ-8) and one external port per internal endpoint (RFC 4787 REQ-1,
# RFC 5382 REQ-1), on an OpenWrt-style router (topo_br_lan) that
# masquerades out of wan with nf_hairpin, three Internet addresses:
#
#   [inet] 203.0.113.7, .8, .9 ---- wan 82.120.11.22 [r] br-lan 192.168.1.1
#                                                      |            |
#                                        [srv] 192.168.1.200   [lan] 192.168.1.10
#
# - UDP and TCP: each LAN host learns its mapping from an Internet server
#   and listens on its port; the other host sends to that mapping (the
#   public address and port) and reaches it, and the listener sees the
#   sender's own mapping as the source (REQ-9a: "External source IP
#   address and port"), both ways.
# - Both hosts from the same source port (UDP 9000, TCP 9100) to the three
#   Internet addresses (UDP interleaved; TCP with every connection held
#   open, srv's three, then lan's): each host keeps one external port
#   for every destination (srv, first, its own port; lan another, of the
#   same parity for UDP) and the two differ.
# ICMP (a port unreachable leaves the mapping, echo identifiers mapped per
# endpoint) is mapping_edges.sh's.
. "$(dirname "$0")/lib.sh"
require_datapath
require python3 socat

PUB=82.120.11.22
topo_br_lan ""
n inet ip addr add 203.0.113.8/24 dev eth0 || fail "203.0.113.8 in inet"
n inet ip addr add 203.0.113.9/24 dev eth0 || fail "203.0.113.9 in inet"
check "masquerade out of wan" hp r snat add oif wan masquerade
# One UDP server per address: an answer must come from the address it
# was sent to (the clients' sockets are connected).
for d in 7 8 9; do
	serve inet udp 203.0.113.$d 5000
done
serve inet tcp 0.0.0.0 6000

# ext NS tcp|udp ADDR PORT BIND: the endpoint the server saw.
ext() {
	local a
	a=$(ask "$1" "$2" "$3" "$4" -b "$5" -t 2 2>/dev/null)
	a=${a%%$'\n'*}
	echo "${a%% *}"
}

# hairpin P FROM-NS FROM-ADDR FROM-PORT TO-NS TO-ADDR TO-PORT: TO learns
# its mapping and listens on TO-PORT; FROM learns its own, then sends to
# TO's mapping and must be answered, TO seeing FROM's mapping.
hairpin() {
	local p=$1 fns=$2 fa=$3 fp=$4 tns=$5 ta=$6 tp=$7 sport to from got
	sport=5000
	[ "$p" = tcp ] && sport=6000
	to=$(ext "$tns" "$p" 203.0.113.7 $sport "$ta:$tp")
	check_eq "$p: $tns's mapping of $ta:$tp" "$PUB:$tp" "$to"
	serve "$tns" "$p" "$ta" "$tp"
	from=$(ext "$fns" "$p" 203.0.113.7 $sport "$fa:$fp")
	check_eq "$p: $fns's mapping of $fa:$fp" "$PUB:$fp" "$from"
	got=$(ext "$fns" "$p" "$PUB" "$tp" "$fa:$fp")
	check_eq "$p: $fns -> $tns's mapping $to: $tns sees $fns's mapping" \
		"$from" "$got"
}

hairpin udp lan 192.168.1.10 7100 srv 192.168.1.200 7000
hairpin udp srv 192.168.1.200 7300 lan 192.168.1.10 7200
hairpin tcp lan 192.168.1.10 7104 srv 192.168.1.200 7004
hairpin tcp srv 192.168.1.200 7304 lan 192.168.1.10 7204
log "map_hairpin $(hstat r map_hairpin)"
check "counted in map_hairpin" test "$(hstat r map_hairpin)" -ge 4

# sameport_udp PORT: srv and lan, both from PORT, to the three addresses,
# interleaved; one external endpoint per host, not the other's.
sameport_udp() {
	local port=$1 d s=() l=() i
	s+=("$(ext srv udp 203.0.113.7 5000 192.168.1.200:$port)")
	l+=("$(ext lan udp 203.0.113.7 5000 192.168.1.10:$port)")
	for d in 8 9; do
		s+=("$(ext srv udp 203.0.113.$d 5000 192.168.1.200:$port)")
		l+=("$(ext lan udp 203.0.113.$d 5000 192.168.1.10:$port)")
	done
	sameport_check udp "$port"
}

# sameport_check P PORT: the verdict on ${s[@]} (srv's external endpoint
# towards 203.0.113.7, .8, .9) and ${l[@]} (lan's).
sameport_check() {
	local p=$1 port=$2 i
	log "$p: srv from $port: ${s[*]}; lan from $port: ${l[*]}"
	check_eq "$p: srv keeps its port to the first destination" \
		"$PUB:$port" "${s[0]}"
	for i in 1 2; do
		check_eq "$p: srv's mapping to 203.0.113.$((7 + i))" \
			"${s[0]}" "${s[$i]}"
		check_eq "$p: lan's mapping to 203.0.113.$((7 + i))" \
			"${l[0]}" "${l[$i]}"
	done
	check "$p: lan's mapping ${l[0]} is not srv's" \
		test -n "${l[0]}" -a "${l[0]}" != "${s[0]}"
	if [ "$p" = udp ]; then
		check_eq "udp: lan's port keeps its parity" 0 \
			$(( ${l[0]##*:} % 2 ))
	fi
}

# TCP: a mapping lives while a connection through it does, so both hosts
# hold theirs open: srv its three connections from PORT, then lan its
# three from PORT, to a server that first says whom it sees (socat: its
# address syntax takes a colon for an option, hence `ADDR PORT').
#   hold PORT GOFILE ADDR...: connect from PORT to each ADDR:6001 in turn
#   (SO_REUSEADDR), print the server's first line (or `fail'), hold them
#   all until GOFILE exists.
hold='
import os, socket, sys, time
port, go, socks = int(sys.argv[1]), sys.argv[2], []
for a in sys.argv[3:]:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", port))
    s.settimeout(3)
    try:
        s.connect((a, 6001))
        l = s.makefile().readline().split()
        print(":".join(l) if len(l) == 2 else "fail", flush=True)
    except OSError:
        print("fail", flush=True)
    socks.append(s)
while not os.path.exists(go):
    time.sleep(0.05)
'
sameport_tcp() {
	local port=$1 pids=() ns
	n inet socat TCP-LISTEN:6001,fork,reuseaddr \
		SYSTEM:'echo $SOCAT_PEERADDR $SOCAT_PEERPORT; cat' &
	slowwait 10 n inet sh -c 'ss -Hltn | grep -q ":6001 "' ||
		fail "socat server in inet"
	for ns in srv lan; do
		n $ns python3 -c "$hold" "$port" "$tmp/go" 203.0.113.7 \
			203.0.113.8 203.0.113.9 > "$tmp/hold.$ns" &
		pids+=($!)
		slowwait 30 sh -c "[ \$(wc -l < $tmp/hold.$ns) -ge 3 ]" ||
			fail "$ns: three tcp connections from $port"
	done
	touch "$tmp/go"
	wait "${pids[@]}"
	mapfile -t s < "$tmp/hold.srv"
	mapfile -t l < "$tmp/hold.lan"
	sameport_check tcp "$port"
}
sameport_udp 9000
sameport_tcp 9100
hp r conn list | sed 's/^/#   /'

# A closing connection keeps its host's mapping port from another host
# (as conntrack's TIME_WAIT entry keeps nf_nat's port; no conntrack here):
# srv's connection from 9200 closes into TIME_WAIT, lan then connects
# from 9200 to the same server and gets another port.  (The module before
# this check killed srv's TIME_WAIT connection and gave lan 9200, srv's
# mapping.)
check_eq "tcp: srv's mapping of 9200" "$PUB:9200" \
	"$(ext srv tcp 203.0.113.7 6000 192.168.1.200:9200)"
tw9200() { hp r conn list proto tcp port 9200 | grep -q time_wait; }
slowwait 5 tw9200 || fail "srv's connection from 9200 is not in time_wait"
lanp=$(ext lan tcp 203.0.113.7 6000 192.168.1.10:9200)
check "tcp: lan from 9200 to the same server gets another port ($lanp)" \
	test -n "$lanp" -a "$lanp" != "$PUB:9200"
exit $ksft_pass
