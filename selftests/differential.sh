#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every seed scenario twice in one boot: routers r$h NATed by nf_hairpin,
# routers r$k by the kernel's own NAT with the seeds' iptables rules
# (iptables-nft; nf_hairpin has no rules there).  The outcomes must be the
# same: connected or not, and the address the server saw (a client only
# gets an answer from the address it connected to: TCP and connected UDP).
#
# By design nf_hairpin reflects without an SNAT rule; iptables needs the
# seeds' hairpin SNAT rule for that.  Where the seed adds that rule we give
# nf_hairpin only the DNAT rule and expect the same result; where the seed
# shows the broken case, nf_hairpin gets `noreflect'.
#
#   topologies: topo_004, topo_000, topo_001 (topo.sh), tags h and k
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/topo.sh"
require ss iptables-nft
h=h
k=k

ipt() {
	n "r$k" iptables-nft -t nat "$@" || fail "iptables-nft -t nat $*"
}

# outcome NS ARGS...: what the server saw, or "no connection".
outcome() {
	local a
	a=$(saw "$@" -t 2)
	echo "${a:-no connection}"
}

# same DESCRIPTION NSBASE tcp|udp ADDR PORT: the two routers agree.
same() {
	local what=$1 ns=$2 ours theirs
	shift 2
	ours=$(outcome "$ns$h" "$@")
	theirs=$(outcome "$ns$k" "$@")
	check_eq "$what: nf_hairpin as the kernel's NAT" "$theirs" "$ours"
}

# ---- seed 004 and 003 ----
topo_004 $h
topo_004 $k
for t in $h $k; do
	serve "srv$t" tcp 0.0.0.0 80
	serve "inet$t" tcp 0.0.0.0 8080
done
hp r$h dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2 noreflect ||
	fail rule
hp r$h snat add oif WAN masquerade || fail rule
ipt -A PREROUTING -d 1.1.1.1 -p tcp --dport 80 -j DNAT --to-destination 192.168.1.2
ipt -A POSTROUTING -o WAN -j MASQUERADE
same "004 Internet client" inet tcp 1.1.1.1 80
same "004 LAN host going out" lan tcp 2.2.2.2 8080
same "003 LAN client, no hairpin rule" lan tcp 1.1.1.1 80
# The seed's fix: a hairpin masquerade rule; nf_hairpin reflects instead.
ipt -I POSTROUTING -s 192.168.1.0/24 -d 192.168.1.2 -p tcp --dport 80 \
	-o LAN -j MASQUERADE
hp r$h dnat del dst 1.1.1.1 proto tcp dport 80 || fail rule
hp r$h dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2 || fail rule
same "004 LAN client with the hairpin rule / reflection" lan tcp 1.1.1.1 80
same "004 Internet client again" inet tcp 1.1.1.1 80
ns_cleanup

# ---- seeds 000 and 002 ----
topo_000 $h
topo_000 $k
for t in $h $k; do
	serve "srv$t" tcp 0.0.0.0 80
done
hp r$h dnat add iif br-lan src 192.168.1.0/24 dst 82.120.11.22 proto tcp \
	dport 80 to 192.168.1.200 noreflect || fail rule
hp r$h dnat add iif wan dst 82.120.11.22 proto tcp dport 80 \
	to 192.168.1.200 || fail rule
ipt -A PREROUTING -i br-lan -s 192.168.1.0/24 -d 82.120.11.22/32 -p tcp \
	-m tcp --dport 80 -j DNAT --to-destination 192.168.1.200
ipt -A PREROUTING -i wan -d 82.120.11.22/32 -p tcp --dport 80 \
	-j DNAT --to-destination 192.168.1.200
same "000 LAN client, DNAT rule only" lan tcp 82.120.11.22 80
hp r$h snat add oif br-lan src 192.168.1.0/24 dst 192.168.1.200/32 \
	proto tcp dport 80 to 192.168.1.1 || fail rule
ipt -A POSTROUTING -o br-lan -s 192.168.1.0/24 -d 192.168.1.200/32 -p tcp \
	-m tcp --dport 80 -j SNAT --to-source 192.168.1.1
same "000 LAN client with the SNAT rule" lan tcp 82.120.11.22 80
same "000 Internet client" inet tcp 82.120.11.22 80
ns_cleanup

# ---- seed 001 ----
topo_001 $h
topo_001 $k
for t in $h $k; do
	serve "srv$t" tcp 0.0.0.0 80
done
for a in 100.0.0.254 172.16.0.254 192.168.0.254; do
	hp r$h dnat add dst $a proto tcp dport 80 to 172.16.0.1 noreflect ||
		fail rule
	ipt -A PREROUTING -d $a -p tcp --dport 80 -j DNAT --to 172.16.0.1
done
same "001 DMZ client, DNAT rules only" dcli tcp 172.16.0.254 80
hp r$h snat add src 172.16.0.0/24 dst 172.16.0.0/24 to 172.16.0.254 ||
	fail rule
hp r$h snat add src 192.168.0.0/24 dst 192.168.0.0/24 to 192.168.0.254 ||
	fail rule
ipt -A POSTROUTING -s 172.16.0.0/24 -d 172.16.0.0/24 -j SNAT --to 172.16.0.254
ipt -A POSTROUTING -s 192.168.0.0/24 -d 192.168.0.0/24 -j SNAT --to 192.168.0.254
for a in 100.0.0.254 172.16.0.254 192.168.0.254; do
	same "001 DMZ client via $a" dcli tcp $a 80
	same "001 trusted client via $a" tcli tcp $a 80
done
same "001 Internet host" inet tcp 100.0.0.254 80

# Per-connection memory: our slab object against nf_conntrack's, whose NAT
# extension comes on top in kmalloc.  (SLUB's sysfs names merged caches.)
ours=$(cat /sys/kernel/slab/nfhp_conn/object_size)
theirs=$(cat /sys/kernel/slab/nf_conntrack/object_size)
log "bytes per connection: nf_hairpin $ours, nf_conntrack $theirs (+ its NAT extension)"
[ -n "$ours" ] && [ -n "$theirs" ] || fail "no slab figures: \`$ours' \`$theirs'"
[ "$ours" -lt "$theirs" ] || fail "nfhp_conn ($ours) not smaller than nf_conn ($theirs)"
exit $ksft_pass
