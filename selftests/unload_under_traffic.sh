#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Namespace deletion and rmmod with live connections and traffic flowing:
# everything is freed (the VM runner fails on any splat or leak report).
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1 -- [sw] -- [srv], [lan]
#   (seed 004, twice: tags a and b)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require ss

setup() {
	topo_004 "$1"
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
		n "lan$t" $PEER client tcp 1.1.1.1 80 -s 200000 -t 2
		n "inet$t" $PEER client udp 1.1.1.1 53 -t 1
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
trap stop_load EXIT

setup a
setup b
load a
load b
sleep 6
hp ra conn list | sed 's/^/#   /'
[ "$(hp ra conn list | grep -c 1.1.1.1)" -gt 0 ] || fail "no connections"
log "ok: connections live"

check "delete a router namespace with live connections" \
	ip netns del "$pfx"ra
sleep 2
check "rmmod under traffic" rmmod nf_hairpin
stop_load
check_fails "module is gone" module_loaded
check "insmod again" insmod "$NFHP_KO"
exit $ksft_pass
