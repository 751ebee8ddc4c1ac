#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespace deletion and rmmod with live connections and traffic flowing:
# everything is freed (the VM runner fails on any splat or leak report).
#
#   [inet$T] 2.2.2.2 ---- WAN 1.1.1.1 [r$T] LAN 192.168.1.1
#                                             |
#                                      [sw$T] br0 (switch)
#                                       |             |
#          [srv$T] 192.168.1.2:80, :5353/udp   [lan$T] 192.168.1.10
#
#   T = a, b: two copies, each with clients in an endless loop
#   dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
#   dnat add dst 1.1.1.1 proto udp dport 53 to 192.168.1.2:5353
#   snat add oif WAN masquerade
. "$(dirname "$0")/lib.sh"
require_datapath

setup() {
	topo_one_lan "$1"
	serve "srv$1" tcp 0.0.0.0 80
	serve "srv$1" udp 0.0.0.0 5353
	hp "r$1" dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2 ||
		fail "rule"
	hp "r$1" dnat add dst 1.1.1.1 proto udp dport 53 to 192.168.1.2:5353 ||
		fail "rule"
	hp "r$1" snat add oif WAN masquerade || fail "rule"
}

# Endless clients; connections pile up in the table.
load() {
	local t=$1
	( while :; do
		ask "lan$t" tcp 1.1.1.1 80 -s 200000 -t 2
		ask "inet$t" udp 1.1.1.1 53 -t 1
	done ) > /dev/null 2>&1 &
	loads+=($!)
	disown $!
}

loads=()
stop_load() {
	[ "${#loads[@]}" -gt 0 ] && kill "${loads[@]}" 2>/dev/null
	loads=()
	ns_cleanup
}
on_exit stop_load

# conns T: how many connections r$T has to or from 1.1.1.1.
conns() { hp "r$1" conn list | grep -c 1.1.1.1; }
# piled_up: both routers have at least 4 (two rounds of the clients).
piled_up() { [ "$(conns a)" -ge 4 ] && [ "$(conns b)" -ge 4 ]; }

setup a
setup b
load a
load b
slowwait 60 piled_up
hp ra conn list | sed 's/^/#   /'
[ "$(conns a)" -gt 0 ] || fail "no connections"
log "ok: connections live"

before=$(conns b)
check "delete a router namespace with live connections" \
	ip netns del "$pfx"ra
# b's clients go on: rmmod comes with traffic flowing.
more_in_b() { [ "$(conns b)" -gt "$before" ]; }
check "traffic flows in b after the deletion" slowwait 30 more_in_b
check "rmmod under traffic" rmmod nf_hairpin
stop_load
check_fails "module is gone" module_loaded
check "insmod again" insmod "$NFHP_KO"
exit $ksft_pass
