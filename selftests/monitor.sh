#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `hairpin monitor' and `hairpin -j monitor': a NEW event with both tuples
# when a forwarded connection is made, a DESTROY event when it expires
# (UDP, shortened timeout) or is flushed (TCP); every JSON line parses.
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1
#                                     |
#                               [sw] br0 (switch)
#                                |              |
#       [srv] 192.168.1.2:5353/udp, :80/tcp   [lan] 192.168.1.10
#
#   dnat add dst 1.1.1.1 proto udp dport 53 to 192.168.1.2:5353
#   dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
. "$(dirname "$0")/lib.sh"
require_datapath
require jq

out=$tmp
mon_pids=()
stop_monitors() {
	[ "${#mon_pids[@]}" -gt 0 ] && kill "${mon_pids[@]}" 2>/dev/null
	mon_pids=()
}
on_exit stop_monitors

topo_one_lan ""
serve srv udp 0.0.0.0 5353
serve srv tcp 0.0.0.0 80
check "udp forward" hp r dnat add dst 1.1.1.1 proto udp dport 53 \
	to 192.168.1.2:5353
check "tcp forward" hp r dnat add dst 1.1.1.1 proto tcp dport 80 \
	to 192.168.1.2
check "short UDP timeout" hp r timeout set udp 2

# Not through hp(), a function: $! must be hairpin itself.
"$HAIRPIN" -n "$pfx"r monitor > "$out/text" 2> "$out/text.err" &
mon_pids+=($!)
"$HAIRPIN" -n "$pfx"r -j monitor > "$out/json" 2> "$out/json.err" &
mon_pids+=($!)
# Both have joined the group once a probe connection shows in both.
probes=0
probe() {
	probes=$((probes + 1))
	ask inet udp 1.1.1.1 53 -b 2.2.2.2:$((39000 + probes)) -t 1 \
		>/dev/null 2>&1
	grep -q "NEW" "$out/text" && grep -q '"new"' "$out/json"
}
slowwait 20 probe || fail "monitors print nothing: $(cat "$out"/*.err)"
log "ok: monitors listening"

# Events are awaited for at most 15 s each (slowwait).
# UDP: NEW at once, DESTROY after the 2 s timeout.
check_eq "UDP exchange" 2.2.2.2 "$(saw inet udp 1.1.1.1 53 -b 2.2.2.2:40001)"
orig="udp 2.2.2.2:40001 -> 1.1.1.1:53"
reply="reply 192.168.1.2:5353 -> 2.2.2.2:40001"
check "text NEW with both tuples" slowwait 15 \
	grep -q "^\[NEW\] $orig | $reply | udp_unreplied dnat 1\$" "$out/text"
check "text DESTROY after expiry" slowwait 15 \
	grep -q "^\[DESTROY\] $orig | $reply | udp_replied dnat 1\$" "$out/text"

jsel() {	# jsel EVENT SPORT PROTO: the JSON lines of that connection
	jq -c --arg ev "$1" --argjson sp "$2" --arg p "$3" \
		'select(.event == $ev and .proto == $p and .orig.sport == $sp)' \
		"$out/json"
}
jhas() {
	local j
	j=$(jsel "$1" "$2" "$3") || return 1
	[ -n "$j" ] || return 1
	jq -e --arg s "$4" --argjson dp "$5" '.orig.src == "2.2.2.2" and
		.orig.dst == "1.1.1.1" and .orig.dport == $dp and
		.reply.src == "192.168.1.2" and .reply.sport == ($s | tonumber) and
		.reply.dst == "2.2.2.2" and .reply.dport == .orig.sport and
		.dnat_id > 0' <<< "$j" >/dev/null
}
check "JSON new with both tuples" slowwait 15 jhas new 40001 udp 5353 53
check "JSON destroy" slowwait 15 jhas destroy 40001 udp 5353 53

# TCP: NEW, then DESTROY on conn flush (it would wait in time_wait).
check_eq "TCP exchange" 2.2.2.2 "$(saw inet tcp 1.1.1.1 80 -b 2.2.2.2:40002)"
orig="tcp 2.2.2.2:40002 -> 1.1.1.1:80"
reply="reply 192.168.1.2:80 -> 2.2.2.2:40002"
check "text NEW (TCP)" slowwait 15 \
	grep -q "^\[NEW\] $orig | $reply | syn_sent dnat 2\$" "$out/text"
check_fails "no DESTROY before flush" \
	grep -q "^\[DESTROY\] $orig" "$out/text"
check "conn flush" hp r conn flush
check "text DESTROY on flush" slowwait 15 \
	grep -q "^\[DESTROY\] $orig | $reply | [a-z_]* dnat 2\$" "$out/text"
tcp_json() { jhas new 40002 tcp 80 80 && jhas destroy 40002 tcp 80 80; }
check "JSON new and destroy (TCP)" slowwait 15 tcp_json

# Every line is one JSON object with an event.
check "every JSON line parses" jq -e -s \
	'length > 0 and all(.[]; type == "object" and
	 (.event == "new" or .event == "destroy"))' "$out/json" >/dev/null

for p in "${mon_pids[@]}"; do
	kill "$p"
	wait "$p"
	check_eq "monitor exits 0 on SIGTERM" 0 "$?"
done
mon_pids=()
sed 's/^/#   /' "$out/text"
exit $ksft_pass
