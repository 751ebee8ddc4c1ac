#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nf_hairpin.service's commands on /etc/nf_hairpin/rules, as systemd runs
# them (ExecStart, ExecReload, ExecStop read from the unit file, the
# tree's hairpin in place of /usr/sbin/hairpin, the rules file in $tmp),
# in a namespace: start applies the file; reload applies a changed file
# as one replace; a broken file fails reload, quoting its line and token,
# and the running rules stay; stop flushes.  (Not systemd itself: the VM
# has none.  The unit's ordering and the packages are make deb's and
# deb_check's.)
. "$(dirname "$0")/lib.sh"

unit=$NFHP_ROOT/tools/systemd/nf_hairpin.service
ns_add r
# exec_of KEY: the unit's KEY= command for namespace r and our file.
exec_of() {
	sed -n "s|^$1=||p" "$unit" | sed -e "s|/usr/sbin/hairpin|$HAIRPIN -n ${pfx}r|" \
		-e "s|/etc/nf_hairpin/rules|$tmp/rules|"
}
run_unit() {
	local cmd
	cmd=$(exec_of "$1")
	[ -n "$cmd" ] || fail "the unit has no $1"
	# shellcheck disable=SC2086
	$cmd
}
check_eq "the unit loads the module first" "/sbin/modprobe nf_hairpin" \
	"$(sed -n 's/^ExecStartPre=//p' "$unit")"
# the example file the package installs: comments only, an empty set
cp "$NFHP_ROOT/tools/systemd/rules" "$tmp/rules"
check "start with the example file (comments only)" run_unit ExecStart
check_eq "... no rules" "" "$(hp r save)"
cat >> "$tmp/rules" <<-EOT
	dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2  # the web server
	snat add oif WAN masquerade
EOT
check "reload with two rules" run_unit ExecReload
check_eq "... both applied" 2 "$(hp r save | wc -l)"
hp r save > "$tmp/before"
sed -i 's/dport 80 to/dport 443 to/' "$tmp/rules"
echo "dnat add dst 1.1.1.1 proto tcp dport 8080 to 192.168.1.3" >> "$tmp/rules"
check "reload with a changed file" run_unit ExecReload
check_eq "... the new set, whole" \
	"$(printf '%s\n' 'dnat add dst 1.1.1.1 proto tcp dport 443 to 192.168.1.2' \
		'dnat add dst 1.1.1.1 proto tcp dport 8080 to 192.168.1.3' \
		'snat add oif WAN masquerade')" "$(hp r save)"
hp r save > "$tmp/good"
echo "dnat add dst 1.1.1.1 proto tcp dport 99999 to 192.168.1.4" >> "$tmp/rules"
run_unit ExecReload 2> "$tmp/err"
check_eq "reload with a broken file fails (usage error)" 2 "$?"
log "$(cat "$tmp/err")"
check "... quoting the line and the token" \
	grep -q "line $(wc -l < "$tmp/rules"): .*99999" "$tmp/err"
check_eq "... and the running rules stay" "$(cat "$tmp/good")" "$(hp r save)"
check "stop" run_unit ExecStop
check_eq "... flushes" "" "$(hp r save)"
exit 0
