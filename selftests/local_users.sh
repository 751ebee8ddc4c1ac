#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a local user without CAP_NET_ADMIN over the router can see, and
# what the admin of an unprivileged user namespace can make the kernel
# allocate.
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1 ... [srv] 192.168.1.2:5353/udp
#
# - `nobody' in the router's namespace cannot join the events group:
#   `hairpin monitor' fails with EPERM and hears nothing, while root's
#   monitor hears the same connection (who talks to whom stays private).
# - `nobody' in a user and network namespace of its own is that
#   namespace's admin: it may lower its limits and timeouts, but not raise
#   them above the host's (the initial namespace's) values; root in a
#   namespace of the initial user namespace may.
# - What that namespace's rules and connections allocate is charged to the
#   memory cgroup of the user who configures it, and at that cgroup's
#   limit new connections are refused and counted (drop_nomem).
. "$(dirname "$0")/lib.sh"
require_datapath
require_flood
require jq setpriv unshare

as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }

topo_one_lan ""
serve srv udp 0.0.0.0 5353
check "forward udp/53" hp r dnat add dst 1.1.1.1 proto udp dport 53 \
	to 192.168.1.2:5353

# ---- events ----
mon=$tmp/mon
n r "$HAIRPIN" monitor > "$mon.root" 2>&1 &
root_pid=$!
n r setpriv --reuid=65534 --regid=65534 --clear-groups "$HAIRPIN" monitor \
	> "$mon.nobody" 2> "$mon.nobody.err" &
nobody_pid=$!
sleep 0.5
check_eq "a connection is made" 2.2.2.2 "$(saw inet udp 1.1.1.1 53 -t 3)"
slowwait 5 grep -q NEW "$mon.root"
check "root's monitor sees it" grep -q "2.2.2.2" "$mon.root"
wait "$nobody_pid"
rc=$?
kill "$root_pid" 2>/dev/null
log "nobody's monitor: exit $rc, $(cat "$mon.nobody.err")"
check "nobody's monitor is refused" [ "$rc" != 0 ]
check "with EPERM" grep -qi "not permitted" "$mon.nobody.err"
check_eq "and hears nothing" "" "$(cat "$mon.nobody")"

# ---- limits ----
host=$("$HAIRPIN" -j config show) || fail "config show in the initial namespace"
hmax=$(jq -r .conn_max <<< "$host")
hrules=$(jq -r .rules_max <<< "$host")
hudp=$(jq -r .udp <<< "$("$HAIRPIN" -j timeout show)")
userns() { as_nobody unshare -Urn sh -c "ip link set lo up; $*"; }
check_fails "nobody's namespace cannot raise conn_max above the host's" \
	userns "$HAIRPIN config set conn_max $((hmax + 1))"
check_fails "nor rules_max" userns "$HAIRPIN config set rules_max $((hrules + 1))"
check_fails "nor a timeout" userns "$HAIRPIN timeout set udp $((hudp + 1))"
out=$(userns "$HAIRPIN config set conn_max $((hmax + 1))" 2>&1)
check "the refusal names the attribute" grep -q "conn-max" <<< "$out"
check "nobody's namespace may lower conn_max" \
	userns "$HAIRPIN config set conn_max 1000 rules_max 10"
check "root in a namespace of its own may raise it" \
	hp r config set conn_max $((hmax + 1))
check_eq "and it took" $((hmax + 1)) "$(hp r -j config show | jq -r .conn_max)"

# ---- memory cgroup ----
cgroot=/sys/fs/cgroup
if ! grep -q "^cgroup2 $cgroot " /proc/mounts; then
	mount -t cgroup2 none "$cgroot" || skip "no cgroup2"
fi
grep -qw memory "$cgroot/cgroup.controllers" || skip "no memory controller"
echo +memory > "$cgroot/cgroup.subtree_control" || fail "enable memory"
# The flood's datagrams get no answer: at the default udp_unreplied (30 s)
# the first would expire during the test on the debug kernel.  The user's
# namespace takes the host's settings when it is made: 3600 s there, for
# this test only.
hunrep=$("$HAIRPIN" -j timeout show | jq -r .udp_unreplied)
check "host udp_unreplied 3600 for now" "$HAIRPIN" timeout set udp_unreplied 3600
on_exit "\"$HAIRPIN\" timeout set udp_unreplied $hunrep"
cg=$cgroot/nfhp-$$
mkdir "$cg" || fail "mkdir $cg"
sync=$tmp/memcg
mkdir "$sync"
chmod 755 "$tmp"
chmod 777 "$sync"
conns=20000
on_debug_kernel && conns=10000
# 1,000 forwards as `hairpin restore' reads them
for i in $(seq 1000); do
	echo "dnat add dst 10.1.$((i / 250)).$((i % 250 + 1)) proto tcp dport 80 to 10.0.0.2"
done > "$sync/rules"
chmod 644 "$sync/rules"
inner="
set -e
while [ ! -e $sync/go ]; do sleep 0.1; done
ip link set lo up
ip link add va type veth peer name vb
ip addr add 10.0.0.1/24 dev va
ip addr add 10.0.0.2/24 dev vb
ip link set va up
ip link set vb up
$HAIRPIN restore < $sync/rules
$HAIRPIN dnat add dst 10.0.0.9 proto udp dport 53 to 10.0.0.2:9
$FLOOD 10.0.0.1 10.0.0.9 53 $conns >/dev/null
$HAIRPIN -j stats > $sync/stats
touch $sync/done
while [ ! -e $sync/go2 ]; do sleep 0.1; done
$FLOOD 10.0.0.1 10.0.0.9 53 $conns -b 40000 >/dev/null
$HAIRPIN -j stats > $sync/stats2
touch $sync/done2
sleep 120
"
sh -c "echo \$\$ > $cg/cgroup.procs && exec setpriv --reuid=65534 --regid=65534 --clear-groups unshare -Urn sh -c '$inner'" &
inner_pid=$!
slowwait 10 grep -q . "$cg/cgroup.procs" || fail "the user's shell is not in $cg"
sleep 0.5
before=$(cat "$cg/memory.current")
slab0=$(awk '$1 == "slab" { print $2 }' "$cg/memory.stat")
pcpu0=$(awk '$1 == "percpu" { print $2 }' "$cg/memory.stat")
touch "$sync/go"
slowwait 120 test -e "$sync/done" || fail "the user's namespace did not finish"
after=$(cat "$cg/memory.current")
slab1=$(awk '$1 == "slab" { print $2 }' "$cg/memory.stat")
pcpu1=$(awk '$1 == "percpu" { print $2 }' "$cg/memory.stat")
made=$(jq -r .conns "$sync/stats")
log "user's namespace: $made connections ($(jq -r .drop_nomem "$sync/stats") refused for memory), 1001 rules; its cgroup: memory.current +$((after - before)), slab +$((slab1 - slab0)), percpu +$((pcpu1 - pcpu0))"
check_eq "the user's namespace made its connections" "$conns" "$made"
# 128 bytes a connection in the slab, most of it must show.
check "connections are charged to the user's cgroup" \
	[ $((slab1 - slab0)) -ge $((conns * 128 * 8 / 10)) ]
check "rule counters (per CPU) are charged too" [ $((pcpu1 - pcpu0)) -gt 0 ]

# At the cgroup's limit new connections are refused and counted, not
# taken from memory the cgroup may not have (GFP_ATOMIC would force the
# charge past memory.max).  1.5 MiB of room: fewer than the 128 bytes x
# $conns the second flood asks for.
# The user's processes go to a sibling cgroup first: the connections stay
# charged to this one (the memcg of the namespace's admin when the first
# rule came), and at its limit no process of the test is OOM-killed.
room=$((3 << 19))
mkdir "$cg-procs" || fail "mkdir $cg-procs"
on_exit 'rmdir "$cg-procs" 2>/dev/null'
# (A `sleep 0.1' of the waiting loop may be gone before it is moved.)
for pid in $(cat "$cg/cgroup.procs"); do
	echo "$pid" > "$cg-procs/cgroup.procs" 2>/dev/null
done
grep -q . "$cg-procs/cgroup.procs" || fail "the user's shell did not move"
echo $(( $(cat "$cg/memory.current") + room )) > "$cg/memory.max" ||
	fail "memory.max"
touch "$sync/go2"
slowwait 120 test -e "$sync/done2" || fail "the second flood did not finish"
more=$(( $(jq -r .conns "$sync/stats2") - made ))
nomem=$(jq -r .drop_nomem "$sync/stats2")
log "at memory.max: $more more connections, $nomem dropped for want of memory; memory.current $(cat "$cg/memory.current") <= memory.max $(cat "$cg/memory.max")"
check "fewer connections than asked for at the limit" [ "$more" -lt "$conns" ]
# (At least: sendmmsg() sends again a datagram a hook refused after
# the first of a batch.)
check "every one refused is counted (drop_nomem)" \
	[ "$nomem" -ge $((conns - more)) ]
check "the cgroup stays within memory.max" \
	[ "$(cat "$cg/memory.current")" -le "$(cat "$cg/memory.max")" ]
kill "$inner_pid" 2>/dev/null
pkill -u 65534 -f "sleep 120" 2>/dev/null
wait 2>/dev/null
slowwait 10 rmdir "$cg"
exit $ksft_pass
