#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A dump of 100,000 connections is complete: `hairpin conn list' (and
# `-j conn list') returns every connection exactly once, so the dump
# resumes correctly across the hundreds of messages it takes.  Prints how
# long the dumps take.
#
#   [cli] 10.1.0.1/16 ---- 10.1.255.254/16 [r] 10.2.0.1/24 ---- [srv] 10.2.0.2
#     nfhp_flood: one datagram from                             nfhp_flood's
#     each source port of 10.1.0.1,                             receiver, :9
#     10.1.0.2, ...
#
#   timeout set conn_max 200000 udp 3600 udp_unreplied 3600
#   dnat add dst 10.1.255.254 proto udp dport 5000 to 10.2.0.2:9
#
# The connections are made 20,000 first.  N is 100,000 on the stock kernel
# and 10,000 on the debug one, there for memory and locking bugs on the
# same paths (a dump of 10,000 still resumes across dozens of reads);
# NFHP_DUMP_N sets it.  With a time budget (NFHP_DUMP_BUDGET seconds; the
# default 0 means none), N is lowered when the rate and the dump time
# measured at 20,000 say it would not fit (never below 20,000), and the
# reason is printed.
. "$(dirname "$0")/lib.sh"
require_datapath
require_flood
require jq

# The full 100,000 on the stock kernel; 10,000 on the debug one.
want=${NFHP_DUMP_N:-100000}
budget=${NFHP_DUMP_BUDGET:-0}	# seconds for the whole test, 0: none
if on_debug_kernel; then
	want=${NFHP_DUMP_N:-10000}
fi
t_start=$SECONDS
first=20000
[ "$want" -lt "$first" ] && first=$want
out=$tmp

topo_line ""

check "limits" hp r timeout set conn_max 200000 udp 3600 udp_unreplied 3600
check "udp forward" hp r dnat add dst 10.1.255.254 proto udp dport 5000 \
	to 10.2.0.2:9

# flood FROM_INDEX COUNT: connections FROM_INDEX .. +COUNT-1; sets secs.
# Index i is source 10.1.0.1 + i / 64512, port 1024 + i % 64512.
flood() {
	local from=$1 count=$2 src res
	src=10.1.0.$((1 + from / 64512))
	[ $((from % 64512 + count)) -le 64512 ] || fail "flood: range spans addresses"
	res=$(n cli "$FLOOD" "$src" 10.1.255.254 5000 "$count" \
		-b $((1024 + from % 64512)) -r "/run/netns/${pfx}srv" 9 -w 256) ||
		fail "flood $from+$count: $res"
	log "flood $src from port $((1024 + from % 64512)): $res"
	secs=${res##* }
}

# dump N: both listings hold each of N connections exactly once; sets dsecs.
dump() {
	local n=$1 t0 t1 t2 t3 lines uniq jn
	t0=$(date +%s.%N)
	hp r conn list > "$out/text" || fail "conn list failed"
	t1=$(date +%s.%N)
	hp r -j conn list > "$out/json" || fail "-j conn list failed"
	t2=$(date +%s.%N)
	lines=$(($(wc -l < "$out/text") - 1))	# minus the header
	uniq=$(awk 'NR > 1 { print $4 }' "$out/text" | sort -u | wc -l)
	jn=$(jq length "$out/json")
	dsecs=$(calc "$t1 - $t0")
	log "dump of $n connections: text $dsecs s, JSON $(calc "$t2 - $t1") s"
	check_eq "conn list: $n rows" "$n" "$lines"
	check_eq "conn list: $n distinct original tuples" "$n" "$uniq"
	check_eq "-j conn list: $n objects" "$n" "$jn"
	t3=$(date +%s.%N)
	dall=$(calc "$t3 - $t0")
}

flood 0 "$first"
check_eq "conns counter after $first" "$first" "$(hstat r conns)"
dump "$first"

n_final=$want
if [ "$want" -gt "$first" ] && [ "$budget" -gt 0 ]; then
	# What is left of the budget must hold the rest of the flood and one
	# dump (with its checks) of everything, at the rates just measured:
	# (N - first) * fper + N * dper <= left.
	fper=$(calc "$secs / $first")
	dper=$(calc "$dall / $first")
	left=$((budget - (SECONDS - t_start)))
	fit=$(calc "int(($left + $first * $fper) / ($fper + $dper))")
	if [ "$fit" -lt "$want" ]; then
		n_final=$fit
		[ "$n_final" -lt "$first" ] && n_final=$first
		log "N lowered from $want to $n_final to stay within ${budget} s:" \
			"$first connections took $secs s to make and $dall s to" \
			"dump twice and check ($dsecs s for the text dump);" \
			"$want would take about" \
			"$(calc "int(($want - $first) * $fper + $want * $dper + $SECONDS - $t_start)") s" \
			"here (NFHP_DUMP_BUDGET=0 lifts the limit)"
	fi
fi
if [ "$n_final" -gt "$first" ]; then
	done_n=$first
	while [ "$done_n" -lt "$n_final" ]; do
		chunk=$((64512 - done_n % 64512))
		[ $((done_n + chunk)) -gt "$n_final" ] && chunk=$((n_final - done_n))
		flood "$done_n" "$chunk"
		done_n=$((done_n + chunk))
	done
	check_eq "conns counter after $n_final" "$n_final" "$(hstat r conns)"
	dump "$n_final"
fi
log "RESULT: $n_final connections dumped completely in $dsecs s (text)"
exit $ksft_pass
