#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The Debian packages (`make deb', build/deb/*.deb) as an administrator
# meets them: installed with dpkg on this Debian 12 system, DKMS builds the
# module for the running kernel, and systemd runs nf_hairpin.service.
#
# The VM's root is the host's, read-only over 9p, and its PID 1 a shell
# script: the packages go into an overlay (lower /, upper on a tmpfs) in a
# private mount namespace, dpkg -i runs chrooted there, and that tree then
# boots systemd as a container (systemd-nspawn) in the router's network
# namespace of topo_one_lan, with CAP_SYS_MODULE for the unit's modprobe.
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1   (systemd-nspawn
#                                     |                    --boot, netns r)
#                            [srv] 192.168.1.2:80/8080  [lan] 192.168.1.10
#
# systemctl start applies /etc/nf_hairpin/rules (a forward with
# reflection works), reload with a changed file changes the rules, reload
# with a broken file fails (the journal names file, line and word) and
# leaves the rules, stop flushes; after a reboot of the container (module
# unloaded) the enabled unit loads it and the rules before
# network-pre.target, and a file broken since fails the restart with its
# line and word in the journal.  Stock kernel only (STOCK_ONLY in the
# Makefile): the debug kernel has no headers package for DKMS.  DKMS's
# build alone takes about 3 minutes under TCG: a longer timeout.
#
# nfhp-timeout=900
. "$(dirname "$0")/lib.sh"

# Everything mounted here goes with this process: a private mount namespace.
if [ -z "${NFHP_DEB_NS:-}" ]; then
	rm -rf "$tmp"
	NFHP_DEB_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi

require dpkg chroot systemd-nspawn nsenter dkms
require_datapath
kver=$(uname -r)
debs=("$NFHP_ROOT"/build/deb/nf-hairpin_*.deb "$NFHP_ROOT"/build/deb/nf-hairpin-dkms_*.deb)
for d in "${debs[@]}"; do
	[ -f "$d" ] || fail "no $d: run 'make deb' first (make check does)"
done
[ -e "/lib/modules/$kver/build/Makefile" ] ||
	fail "no headers for the running kernel $kver (linux-headers-$kver)"

root=$tmp/root
mkdir -p "$tmp/upper" "$root"
npid=
swapped=
cgroups=()
stop_container() {
	[ -n "$npid" ] || return 0
	kill -TERM "$npid" 2>/dev/null
	slowwait 60 sh -c "! kill -0 $npid 2>/dev/null" || kill -KILL "$npid"
	wait "$npid" 2>/dev/null
	npid=
}
# At exit: the container down, the runner's module back (for its rmmod),
# and everything unmounted before lib.sh removes $tmp: rm -rf must not
# walk the overlay (all of /) nor the bind mounts of /dev and /sys.
cleanup() {
	stop_container
	if [ -n "$swapped" ]; then
		rmmod nf_hairpin 2>/dev/null
		insmod "$NFHP_KO" || log "cannot insmod $NFHP_KO again"
	fi
	for cg in "${cgroups[@]}"; do
		find "$cg" -depth -type d -exec rmdir {} \; 2>/dev/null
	done
	umount -R -l "$root" 2>/dev/null
	umount -l "$tmp/upper" 2>/dev/null
}
on_exit cleanup
# The overlay's upper and work directories on a tmpfs of their own (the
# VM's /tmp is one too, but say so).
mount -t tmpfs -o size=1g nfhp-deb "$tmp/upper" || fail "tmpfs"
mkdir -p "$tmp/upper/u" "$tmp/upper/w" "$tmp/upper/u/root/debs"
mount -t overlay overlay \
	-o "lowerdir=/,upperdir=$tmp/upper/u,workdir=$tmp/upper/w" "$root" ||
	fail "cannot mount an overlay on /"
cp "${debs[@]}" "$root/root/debs/"

# dpkg -i, chrooted, with the API file systems DKMS and the maintainer
# scripts want; unmounted again before the container boots.
mount -t proc proc "$root/proc"
mount --rbind /sys "$root/sys"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/tmp"
mount -t tmpfs tmpfs "$root/run"
start=$SECONDS
if ! chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
	DEBIAN_FRONTEND=noninteractive dpkg -i \
	"/root/debs/${debs[1]##*/}" "/root/debs/${debs[0]##*/}" \
	> "$tmp/dpkg.log" 2>&1; then
	sed 's/^/# dpkg: /' "$tmp/dpkg.log" | tail -n 40
	fail "dpkg -i failed"
fi
log "dpkg -i, with DKMS building the module: $((SECONDS - start))s"
grep -E 'nf_hairpin|dkms|Setting up' "$tmp/dpkg.log" | sed 's/^/# dpkg: /' | head -n 20
umount -R "$root/proc" "$root/sys" "$root/dev" "$root/tmp" "$root/run"

ko=$(chroot "$root" modinfo -k "$kver" -F filename nf_hairpin 2>/dev/null)
check "DKMS built and installed nf_hairpin.ko for $kver ($ko)" \
	test -f "$root$ko"
case "$ko" in
*/updates/dkms/*) ;;
*) fail "modprobe would load $ko, not DKMS's module" ;;
esac
check "the unit is installed" test -f "$root/lib/systemd/system/nf_hairpin.service"
check "the rules file is a conffile" \
	grep -qx ' */etc/nf_hairpin/rules [0-9a-f]*' \
	<(chroot "$root" dpkg-query -W -f='${Conffiles}\n' nf-hairpin)
check "the package enabled the unit" \
	test -L "$root/etc/systemd/system/multi-user.target.wants/nf_hairpin.service"

# The packages' own module, loaded by the unit: not the one run_tests.sh
# inserted.  Put that one back at exit for the runner's rmmod.
rmmod nf_hairpin || fail "cannot unload the runner's module"
swapped=1

topo_one_lan ""
serve srv tcp 0.0.0.0 80
serve srv tcp 0.0.0.0 8080

rules=$root/etc/nf_hairpin/rules
check "the packaged rules file has no active rule" \
	test -z "$(grep -v '^[[:space:]]*\(#.*\)\?$' "$rules")"
cat > "$rules" <<-EOF
	# deb_install.sh, set A: the web server, reflected for the LAN
	dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2

	snat add oif WAN masquerade   # the LAN out
EOF

# A target of our own: journald and nothing else of the host's services
# (the container shares the router's network namespace).
cat > "$root/etc/systemd/system/nfhp-test.target" <<-EOF
	[Unit]
	Description=deb_install.sh
	Wants=systemd-journald.socket systemd-journald.service
EOF

cpid=
# in_ct CMD...: CMD inside the container (its mount, PID and root).
in_ct() { nsenter -t "$cpid" -m -p -r -w -- "$@"; }

mkdir -p /sys/fs/cgroup
mountpoint -q /sys/fs/cgroup || mount -t cgroup2 cgroup2 /sys/fs/cgroup ||
	fail "cannot mount cgroup2"

# The container's PID 1: a systemd whose innermost PID is 1.
find_init() {
	local p
	for p in /proc/[0-9]*; do
		[ "$(cat "$p/comm" 2>/dev/null)" = systemd ] || continue
		grep -Eq '^NSpid:[[:space:]]+[0-9]+[[:space:]]+1$' "$p/status" 2>/dev/null ||
			continue
		cpid=${p#/proc/}
		return 0
	done
	return 1
}

# boot_ct: boot the overlay's systemd into nfhp-test.target, as a
# container in the router's network namespace, and wait until it is up.
boots=0
boot_ct() {
	local start=$SECONDS state cg

	# Each boot in a cgroup of its own: nspawn makes its payload and
	# supervisor cgroups in the one it runs in, and a second boot cannot
	# reuse the first's (its subtree_control is set: EBUSY).
	boots=$((boots + 1))
	cg=/sys/fs/cgroup/nfhp-deb-$$-$boots
	mkdir "$cg" || fail "cannot make cgroup $cg"
	cgroups+=("$cg")
	# No machined and no systemd outside: --register=no --keep-unit.
	sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$cg" \
	systemd-nspawn -q -D "$root" --register=no --keep-unit --link-journal=no \
		--boot --console=read-only \
		--network-namespace-path="/run/netns/${pfx}r" \
		--capability=CAP_NET_ADMIN,CAP_SYS_MODULE \
		-- --unit=nfhp-test.target > "$tmp/nspawn.log" 2>&1 &
	npid=$!
	if ! slowwait 60 find_init; then
		sed 's/^/# nspawn: /' "$tmp/nspawn.log" | tail -n 30
		fail "systemd did not start in the container"
	fi
	state=$(in_ct timeout 120 systemctl is-system-running --wait 2>&1)
	log "systemd in the container: $state after $((SECONDS - start))s"
	case "$state" in
	running|degraded) ;;
	*) sed 's/^/# nspawn: /' "$tmp/nspawn.log" | tail -n 30
	   fail "the container's systemd did not finish booting: $state" ;;
	esac
}
boot_ct

# journal_says MSG: the unit's journal has the line MSG (within 10 s).
journal_has() { in_ct journalctl -q -u nf_hairpin -o cat | grep -qF "$1"; }
journal_says() {
	if ! slowwait 10 journal_has "$1"; then
		in_ct journalctl -q -u nf_hairpin -o cat | sed 's/^/# journal: /'
		fail "the journal does not say: $1"
	fi
	log "journal: $1"
}
save() { hp r save; }
expect_rules() {
	local want=$1 got
	got=$(save)
	[ "$got" = "$want" ] && return 0
	log "rules: $got"
	return 1
}
set_a=$'dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2\nsnat add oif WAN masquerade'
set_b=$'dnat add dst 1.1.1.1 proto tcp dport 8080 to 192.168.1.2:80\nsnat add oif WAN masquerade'

check_fails "no nf_hairpin loaded before the unit starts" module_loaded
check "systemctl start nf_hairpin" in_ct systemctl start nf_hairpin
check "the unit is active" in_ct systemctl is-active -q nf_hairpin
check "the module is loaded" module_loaded
# DKMS's build has no git tree: its version is VERSION's alone, unlike
# the runner's module (git describe).
check_eq "the unit loaded DKMS's module" \
	"$(chroot "$root" modinfo -k "$kver" -F version nf_hairpin)" \
	"$(cat /sys/module/nf_hairpin/version)"
check "start applied /etc/nf_hairpin/rules" expect_rules "$set_a"
check_eq "forward from the Internet: server sees the client" 2.2.2.2 \
	"$(saw inet tcp 1.1.1.1 80 -t 5)"
check_eq "forward from the LAN, reflected: server sees the router" \
	192.168.1.1 "$(saw lan tcp 1.1.1.1 80 -t 5)"

cat > "$rules" <<-EOF
	# set B: the web server moved to outside port 8080
	hairpin dnat add dst 1.1.1.1 proto tcp dport 8080 to 192.168.1.2:80
	snat add oif WAN masquerade
EOF
check "systemctl reload nf_hairpin" in_ct systemctl reload nf_hairpin
check "reload replaced the rules" expect_rules "$set_b"
check_eq "reloaded forward, reflected" 192.168.1.1 \
	"$(saw lan tcp 1.1.1.1 8080 -t 5)"
check_eq "the old forward is gone" "" "$(saw inet tcp 1.1.1.1 80 -t 1)"

cp "$rules" "$tmp/rules.b"
cat > "$rules" <<-EOF
	dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2
	# a typo on line 3
	dnat add dst 1.1.1.1 proto tcp dport 7o to 192.168.1.2
EOF
check_fails "reload with a broken file fails" in_ct systemctl reload nf_hairpin
check "the rules in force did not change" expect_rules "$set_b"
check "the unit stays active" in_ct systemctl is-active -q nf_hairpin
msg="hairpin: /etc/nf_hairpin/rules: line 3: invalid port \`7o'"
journal_says "$msg"
check_eq "forward still works" 192.168.1.1 "$(saw lan tcp 1.1.1.1 8080 -t 5)"

cp "$tmp/rules.b" "$rules"
check "systemctl stop nf_hairpin" in_ct systemctl stop nf_hairpin
check "stop flushed every rule" expect_rules ""
check_eq "no forward after stop" "" "$(saw inet tcp 1.1.1.1 8080 -t 1)"
check "systemctl start again" in_ct systemctl start nf_hairpin
check "the rules are back" expect_rules "$set_b"

# A reboot: the container goes down (the unit's stop flushes), the module
# is unloaded, and systemd boots again with the unit enabled the way the
# package enabled it (its multi-user.target.wants link, copied into our
# target's .wants: the target stays free of the host's other services).
stop_container
check "shutdown stopped the unit: no rules left" expect_rules ""
rmmod nf_hairpin || fail "cannot unload the unit's module"
wants=$root/etc/systemd/system/nfhp-test.target.wants
mkdir -p "$wants"
cp -P "$root/etc/systemd/system/multi-user.target.wants/nf_hairpin.service" \
	"$wants/" || fail "the package's enable link"
boot_ct
check "after the reboot: the unit is active" in_ct systemctl is-active -q nf_hairpin
check "after the reboot: the module is loaded" module_loaded
check "after the reboot: the rules file is applied" expect_rules "$set_b"
# Before network-pre.target: the rules are in before any network is set up.
mono() { in_ct systemctl show -P ActiveEnterTimestampMonotonic "$1"; }
t_unit=$(mono nf_hairpin.service)
t_pre=$(mono network-pre.target)
log "active at ${t_unit}us; network-pre.target at ${t_pre}us"
check "the unit was up before network-pre.target" \
	test "$t_unit" -gt 0 -a "$t_pre" -gt 0 -a "$t_unit" -le "$t_pre"
check_eq "reflection after the reboot" 192.168.1.1 \
	"$(saw lan tcp 1.1.1.1 8080 -t 5)"

# A file broken since the last start: restart fails the unit, naming the
# line and the word.
printf 'snat add oif WAN masquerade\ndnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.300\n' \
	> "$rules"
check_fails "restart with a broken file fails" in_ct systemctl restart nf_hairpin
check "the unit is failed" in_ct systemctl is-failed -q nf_hairpin
msg="hairpin: /etc/nf_hairpin/rules: line 2: invalid address \`192.168.1.300'"
journal_says "$msg"
cp "$tmp/rules.b" "$rules"
check "systemctl start after the fix" in_ct systemctl start nf_hairpin
check "the rules are back" expect_rules "$set_b"
check "systemctl stop" in_ct systemctl stop nf_hairpin
exit $ksft_pass
