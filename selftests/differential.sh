#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every published scenario of the other tests twice in one boot: routers
# r$h NATed by nf_hairpin, routers r$k by the kernel's own NAT with the
# write-ups' iptables rules (iptables-nft; nf_hairpin has no rules there).
# The outcomes must be the same: connected or not, and the address the
# server saw (a client only gets an answer from the address it connected
# to: TCP and connected UDP).
#
# By design nf_hairpin reflects without an SNAT rule; iptables needs the
# write-ups' hairpin SNAT rule for that.  Where a write-up adds that rule we
# give nf_hairpin only the DNAT rule and expect the same result; where it
# shows the broken case, nf_hairpin gets `noreflect'.
#
#   [inet$T] -- [r$T] -- LAN, once per topology of lib.sh and per tag T:
#   topo_one_lan       hairpin_same_subnet.sh, noreflect_direct_reply.sh
#   topo_br_lan        bridge_lan_reflection.sh
#   topo_three_networks  three_networks.sh
#   T = h (nf_hairpin), k (the kernel's NAT); pictures in lib.sh.
. "$(dirname "$0")/lib.sh"
require_datapath
require iptables-nft iptables-nft-restore
ipt() {
	n "r$k" iptables-nft -t nat "$@" || fail "iptables-nft -t nat $*"
}

# ---- hairpin_same_subnet.sh and noreflect_direct_reply.sh ----
topo_one_lan $h
topo_one_lan $k
for t in $h $k; do
	serve "srv$t" tcp 0.0.0.0 80
	serve "inet$t" tcp 0.0.0.0 8080
done
hp r$h dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2 noreflect ||
	fail rule
hp r$h snat add oif WAN masquerade || fail rule
ipt_nat r$k <<-EOF
	-A PREROUTING -d 1.1.1.1 -p tcp --dport 80 -j DNAT --to-destination 192.168.1.2
	-A POSTROUTING -o WAN -j MASQUERADE
	EOF
same "same subnet: Internet client" inet tcp 1.1.1.1 80
same "same subnet: LAN host going out" lan tcp 2.2.2.2 8080
same "direct reply: LAN client, no hairpin rule" lan tcp 1.1.1.1 80
# The MikroTik page's fix: a hairpin masquerade rule; nf_hairpin reflects
# instead.
ipt -I POSTROUTING -s 192.168.1.0/24 -d 192.168.1.2 -p tcp --dport 80 \
	-o LAN -j MASQUERADE
hp r$h dnat del dst 1.1.1.1 proto tcp dport 80 || fail rule
hp r$h dnat add dst 1.1.1.1 proto tcp dport 80 to 192.168.1.2 || fail rule
same "same subnet: LAN client with the hairpin rule / reflection" \
	lan tcp 1.1.1.1 80
same "same subnet: Internet client again" inet tcp 1.1.1.1 80
ns_cleanup

# ---- bridge_lan_reflection.sh ----
topo_br_lan $h
topo_br_lan $k
for t in $h $k; do
	serve "srv$t" tcp 0.0.0.0 80
done
hp r$h dnat add iif br-lan src 192.168.1.0/24 dst 82.120.11.22 proto tcp \
	dport 80 to 192.168.1.200 noreflect || fail rule
hp r$h dnat add iif wan dst 82.120.11.22 proto tcp dport 80 \
	to 192.168.1.200 || fail rule
ipt_nat r$k <<-EOF
	-A PREROUTING -i br-lan -s 192.168.1.0/24 -d 82.120.11.22/32 -p tcp -m tcp --dport 80 -j DNAT --to-destination 192.168.1.200
	-A PREROUTING -i wan -d 82.120.11.22/32 -p tcp --dport 80 -j DNAT --to-destination 192.168.1.200
	EOF
warm lan 192.168.1.200
same "br-lan: LAN client, DNAT rule only" lan tcp 82.120.11.22 80
hp r$h snat add oif br-lan src 192.168.1.0/24 dst 192.168.1.200/32 \
	proto tcp dport 80 to 192.168.1.1 || fail rule
ipt -A POSTROUTING -o br-lan -s 192.168.1.0/24 -d 192.168.1.200/32 -p tcp \
	-m tcp --dport 80 -j SNAT --to-source 192.168.1.1
same "br-lan: LAN client with the SNAT rule" lan tcp 82.120.11.22 80
same "br-lan: Internet client" inet tcp 82.120.11.22 80
ns_cleanup

# ---- three_networks.sh ----
topo_three_networks $h
topo_three_networks $k
for t in $h $k; do
	serve "srv$t" tcp 0.0.0.0 80
done
rules=
for a in 100.0.0.254 172.16.0.254 192.168.0.254; do
	hp r$h dnat add dst $a proto tcp dport 80 to 172.16.0.1 noreflect ||
		fail rule
	rules+="-A PREROUTING -d $a -p tcp --dport 80 -j DNAT --to 172.16.0.1"$'\n'
done
ipt_nat r$k <<< "${rules%$'\n'}"
warm dcli 172.16.0.1
same "three networks: DMZ client, DNAT rules only" dcli tcp 172.16.0.254 80
hp r$h snat add src 172.16.0.0/24 dst 172.16.0.0/24 to 172.16.0.254 ||
	fail rule
hp r$h snat add src 192.168.0.0/24 dst 192.168.0.0/24 to 192.168.0.254 ||
	fail rule
ipt_nat r$k <<-EOF
	-A POSTROUTING -s 172.16.0.0/24 -d 172.16.0.0/24 -j SNAT --to 172.16.0.254
	-A POSTROUTING -s 192.168.0.0/24 -d 192.168.0.0/24 -j SNAT --to 192.168.0.254
	EOF
for a in 100.0.0.254 172.16.0.254 192.168.0.254; do
	same "three networks: DMZ client via $a" dcli tcp $a 80
	same "three networks: trusted client via $a" tcli tcp $a 80
done
same "three networks: Internet host" inet tcp 100.0.0.254 80

# Per-connection memory: our slab object against nf_conntrack's, whose NAT
# extension comes on top in kmalloc.  (SLUB's sysfs names merged caches.)
ours=$(cat /sys/kernel/slab/nfhp_conn/object_size)
theirs=$(cat /sys/kernel/slab/nf_conntrack/object_size)
log "bytes per connection: nf_hairpin $ours, nf_conntrack $theirs (+ its NAT extension)"
[ -n "$ours" ] && [ -n "$theirs" ] || fail "no slab figures: \`$ours' \`$theirs'"
[ "$ours" -lt "$theirs" ] || fail "nfhp_conn ($ours) not smaller than nf_conn ($theirs)"
exit $ksft_pass
