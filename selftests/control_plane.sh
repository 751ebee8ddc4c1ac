#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The control plane: raw netlink validation (nfhp_nl_test), then the
# hairpin command: add/list/delete of each rule kind, save | restore,
# atomic restore, JSON, per-namespace rule sets, unprivileged callers,
# 10,000 rules.  Nothing here sends packets.
#
#   [ns r1]   [ns r2]        two routers, separate rule sets
#   [ns nl]                  nfhp_nl_test's playground
#
# Exit 4 (skip) if nfhp_nl_test passed but the hairpin command is not built.
. "$(dirname "$0")/lib.sh"

here=$(cd "$(dirname "$0")" && pwd)
NLTEST=$here/nfhp_nl_test
N=${NFHP_MANY:-10000}
on_debug_kernel && N=${NFHP_MANY:-2000}

require ip jq setpriv unshare
[ -x "$NLTEST" ] || skip "nfhp_nl_test not built (make -C selftests)"

# ---- raw netlink ----
ns_add nl
check "nfhp_nl_test: malformed requests, replace, $N-rule dumps" \
	n nl "$NLTEST" -n "$N"
check "unprivileged (setpriv nobody) refused with EPERM" \
	n nl setpriv --reuid=nobody --regid=nogroup --clear-groups \
	--inh-caps=-all "$NLTEST" -p
check "user namespace without the netns's CAP_NET_ADMIN refused" \
	n nl unshare --user --map-root-user "$NLTEST" -p

[ -x "$HAIRPIN" ] || skip "the hairpin command is not built: CLI checks not run"

# ---- the CLI ----
ns_add r1 r2
count() { hp "$1" save | grep -c "^$2 " || true; }

check "dnat add (dst)" hp r1 dnat add dst 192.0.2.1 proto tcp dport 80 to 10.0.0.2
check "dnat add (local, range, port map)" \
	hp r1 dnat add iif lo src 10.9.0.0/16 dst local proto udp dport 5000-5009 to 10.0.0.3:6000-6009
check "dnat add (noreflect)" \
	hp r1 dnat add dst 192.0.2.1 proto tcp dport 443 to 10.0.0.2 noreflect
check "dnat add (reflect-src external)" \
	hp r1 dnat add dst 192.0.2.1 proto tcp dport 22 to 10.0.0.4:2222 reflect-src external
check "snat add (masquerade)" hp r1 snat add oif lo masquerade
check "snat add (to, proto, dport)" \
	hp r1 snat add src 10.0.0.0/24 dst 198.51.100.0/24 proto tcp dport 25 to 192.0.2.1
check_eq "dnat rules listed" 4 "$(count r1 dnat)"
check_eq "snat rules listed" 2 "$(count r1 snat)"
check_fails "duplicate dnat refused" \
	hp r1 dnat add dst 192.0.2.1 proto tcp dport 80 to 10.0.0.9
check_fails "invalid port refused" \
	hp r1 dnat add dst 192.0.2.1 proto tcp dport 0 to 10.0.0.9
hp r1 dnat add dst 192.0.2.1 proto tcp dport 80 to 10.0.0.9 2>"$tmp/err"
rc=$?
check_eq "kernel refusal exits 1" 1 "$rc"
check "kernel refusal prints the extack text" grep -q "exists" "$tmp/err"
hp r1 dnat add dst 192.0.2.1 proto tcp dport 2>/dev/null
check_eq "bad arguments exit 2" 2 "$?"

# parses CMD...: CMD succeeds and prints exactly one JSON document.  (jq,
# not python3: a second of the debug kernel's time less each.)
parses() { "$@" | jq -e -s 'length == 1' >/dev/null && [ "${PIPESTATUS[0]}" = 0 ]; }
# The rules of a `-j ... list': the list, or the one member of an object.
rules='(if type == "array" then . else first(.[]) end)'
keys() {
	hp r1 -j dnat list | jq -e "$rules | length == 4 and all(.[];
		has(\"id\") and has(\"to\") and has(\"packets\") and
		has(\"bytes\") and has(\"connections\"))" >/dev/null
}
check "dnat list -j parses" parses hp r1 -j dnat list
check "dnat list -j has the keys" keys
check "snat list -j parses" parses hp r1 -j snat list

# save | restore gives the same set.
hp r1 save > "$tmp/save1"
check "restore of a saved set" hp r1 restore "$tmp/save1"
hp r1 save > "$tmp/save2"
check "save | restore | save is stable" cmp "$tmp/save1" "$tmp/save2"
check "restore into another namespace" hp r2 restore < "$tmp/save1"
hp r2 save > "$tmp/save3"
check "the other namespace has the same set" cmp "$tmp/save1" "$tmp/save3"

# A bad last line: nothing changes.
{ cat "$tmp/save1"; echo "dnat add dst 192.0.2.7 proto tcp dport 80-70 to 10.0.0.2"; } \
	> "$tmp/bad"
check_fails "restore with a bad last line fails" hp r1 restore "$tmp/bad"
{ echo "dnat add dst 192.0.2.8 proto tcp dport 80 to 10.0.0.2"
  echo "dnat add dst 192.0.2.8 proto tcp dport 80 to 10.0.0.3"; } > "$tmp/bad"
check_fails "restore with clashing lines fails" hp r1 restore "$tmp/bad"
hp r1 save > "$tmp/save2"
check "the previous set is intact" cmp "$tmp/save1" "$tmp/save2"

# Delete by id and by match; namespaces stay separate.
id=$(hp r1 -j dnat list | jq -r "$rules[0].id")
check "dnat del by id ($id)" hp r1 dnat del "$id"
check "dnat del by match" hp r1 dnat del dst 192.0.2.1 proto tcp dport 443
check_fails "dnat del of a missing rule" hp r1 dnat del dst 192.0.2.1 proto tcp dport 443
check "snat del by match" hp r1 snat del oif lo masquerade
check_eq "r1 after deletes: dnat" 2 "$(count r1 dnat)"
check_eq "r1 after deletes: snat" 1 "$(count r1 snat)"
check_eq "r2 untouched: dnat" 4 "$(count r2 dnat)"
check_eq "r2 untouched: snat" 2 "$(count r2 snat)"
check "flush r2" hp r2 flush
check_eq "r2 empty" 0 "$(count r2 dnat)"
check_eq "r1 still has its rules" 2 "$(count r1 dnat)"

check "stats" hp r1 stats
check "stats -j parses" parses hp r1 -j stats
check "timeout show" hp r1 timeout show

# Unprivileged callers through the CLI.
before=$(hp r1 save | md5sum)
# refused DESCRIPTION CMD...: CMD must exit 1 with the CLI's EPERM message
# (the kernel refused it: not a failure to enter the namespace).
refused() {
	local what=$1 err rc
	shift
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	[ "$rc" = 1 ] && [[ "$err" == *"needs CAP_NET_ADMIN"* ]] ||
		fail "$what: exit $rc, \`$err'"
	log "ok: $what"
}
nobody=(setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all)
refused "setpriv nobody: dnat list refused" n r1 "${nobody[@]}" "$HAIRPIN" dnat list
refused "setpriv nobody: flush refused" n r1 "${nobody[@]}" "$HAIRPIN" flush
refused "setpriv nobody: restore refused" n r1 "${nobody[@]}" "$HAIRPIN" restore /dev/null
refused "user namespace: flush refused" \
	n r1 unshare --user --map-root-user "$HAIRPIN" flush
refused "user namespace: dnat list refused" \
	n r1 unshare --user --map-root-user "$HAIRPIN" dnat list
check_eq "unprivileged callers changed nothing" "$before" "$(hp r1 save | md5sum)"

# Many rules through restore.
awk -v n="$N" 'BEGIN {
	for (i = 0; i < n; i++)
		printf "dnat add dst 10.%d.%d.1 proto tcp dport %d to 172.16.0.2\n",
			1 + int(i / 250), i % 250, 1 + i % 60000
}' > "$tmp/many"
us() { echo "${EPOCHREALTIME/[.,]/}"; }
ms() { echo $(( ($(us) - $1) / 1000 )); }
start=$(us)
check "restore of $N rules" hp r1 restore "$tmp/many"
log "restore of $N rules took $(ms "$start") ms"
start=$(us)
check_eq "all $N listed" "$N" "$(hp r1 dnat list | grep -c '10\.[0-9]*\.[0-9]*\.1')"
log "listing $N rules took $(ms "$start") ms"
check_eq "save has all $N" "$N" "$(count r1 dnat)"
check "flush of $N" hp r1 flush
check_eq "none left" 0 "$(count r1 dnat)"
exit $ksft_pass
