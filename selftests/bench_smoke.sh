#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make bench' keeps working: one round of tools/bench/bench.sh at small
# sizes (--smoke: 0.2 s a flow, 500 new connections, tables of 1,000 to
# 5,000, 200 rules), every configuration (plain routing, nf_nat as fw4,
# nf_hairpin, both under fw4's filter) and every figure.  It fails when a
# pktgen run through any router counts no packet (or under 90% of what
# was sent) at the receiver, when a primed flow left no connection, or
# when a figure is missing from the table; it judges no ratio against the
# targets: one round under TCG says nothing about performance.  Stock
# kernel only (pktgen under KASAN and lockdep times the debug kernel).
. "$(dirname "$0")/lib.sh"
require_datapath
require nft jq tc socat nsenter

on_debug_kernel && skip "benchmark smoke run, on the stock kernel only"
modprobe -q pktgen || skip "no pktgen module"

"$NFHP_ROOT/tools/bench/bench.sh" --smoke "$NFHP_KO" > "$tmp/out" 2>&1
rc=$?
grep -v '^RAW' "$tmp/out"
[ "$rc" = 0 ] || fail "bench.sh --smoke exited $rc"
for f in 1 2 3 4 5; do
	check "figure $f in the table" grep -q "^TSV	$f	" "$tmp/out"
done
check_eq "figures with a value" 0 "$(grep '^TSV' "$tmp/out" | grep -c MISSING)"
exit $ksft_pass
