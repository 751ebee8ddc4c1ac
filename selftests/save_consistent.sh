#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `hairpin save' is one rule set, never a mix, while the set changes:
# two sets A and B (1,500 port forwards and 500 SNAT rules each, so that
# a dump spans many messages and several reads) are restored in turn in a
# loop while `hairpin save' runs again and again; every saved file must be
# exactly A's or B's own save.  (Two dumps, forwards then SNAT rules, as
# save did before NFHP_CMD_RULES_GET, give A's forwards with B's SNAT
# rules.)
. "$(dirname "$0")/lib.sh"

ns_add r
# set_of NAME OCTET: 1,500 forwards to 10.OCTET.x.y, 500 SNAT rules.
set_of() {
	local i
	for ((i = 0; i < 1500; i++)); do
		echo "dnat add dst 10.$2.$((i / 250)).$((i % 250 + 1)) proto tcp dport 80 to 192.168.1.2"
	done
	for ((i = 0; i < 500; i++)); do
		echo "snat add src 172.16.$((i / 250)).$((i % 250))/32 oif e$2 to 10.$2.255.1"
	done
}
set_of A 1 > "$tmp/A.in"
set_of B 2 > "$tmp/B.in"
for s in A B; do
	check "restore $s" hp r restore "$tmp/$s.in"
	hp r save > "$tmp/$s" || fail "save $s"
done
check_eq "A's save has every rule" 2000 "$(wc -l < "$tmp/A")"
check "A and B differ in both kinds" test \
	"$(grep -c dnat "$tmp/A")" = 1500 -a "$(grep dnat "$tmp/A" | head -1)" != \
	"$(grep dnat "$tmp/B" | head -1)" -a \
	"$(grep snat "$tmp/A" | head -1)" != "$(grep snat "$tmp/B" | head -1)"

# Restore A, B, A, ... until told to stop.
touch "$tmp/run"
(
	while [ -e "$tmp/run" ]; do
		hp r restore "$tmp/A.in" && hp r restore "$tmp/B.in" || exit 1
	done
) &
flipper=$!
saves=0 mixed=0 failed=0
for ((i = 0; i < 30; i++)); do
	if ! hp r save > "$tmp/s" 2> "$tmp/err"; then
		failed=$((failed + 1))
		log "save failed: $(cat "$tmp/err")"
		continue
	fi
	saves=$((saves + 1))
	cmp -s "$tmp/s" "$tmp/A" || cmp -s "$tmp/s" "$tmp/B" ||
		mixed=$((mixed + 1))
done
rm "$tmp/run"
wait "$flipper" || fail "the restore loop failed"
log "$saves saves, $failed failed (the set changed on every retry), $mixed mixed"
check "most saves succeed while the set changes" test "$saves" -ge 20
check_eq "no saved file is a mix of two sets" 0 "$mixed"
exit 0
