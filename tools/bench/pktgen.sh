#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# One pktgen run from DEV of the current network namespace (run it with
# `ip netns exec'): pktgen's threads, devices and /proc/net/pktgen are per
# namespace.  Prints `USEC SENT RECEIVED': pktgen's time and count, and
# how many packets the eth0 of namespace RX-NS (a name `ip -n' takes)
# received meanwhile (rx_packets: its veth peer's successful sends).
#
#   pktgen.sh DEV DST-MAC SRC DST SPORT DPORT COUNT SECS [RX-NS]
#
# SRC and SPORT are an address and a port, or MIN-MAX ranges, from which
# every packet takes a random one (flags IPSRC_RND, UDPSRC_RND: every
# packet a new flow).  COUNT packets (start returns when they are sent),
# or with COUNT 0 as many as SECS seconds allow (stopped from here).
# 64-byte frames (pkt_size 60 plus the FCS), 1 packet per skb (veth
# cannot share an skb between transmissions), thread kpktgend_0.
set -eu

dev=$1 dmac=$2 src=$3 dst=$4 sport=$5 dport=$6 count=$7 secs=$8 rxns=${9:-}
pg=/proc/net/pktgen
[ -d $pg ] || { echo "pktgen.sh: no $pg (modprobe pktgen)" >&2; exit 1; }

# result FILE: pktgen's `Result: ' line of FILE, without the word, in res
# (read without a process: processes are what costs most under TCG).
result() {
	local l lines
	res=
	mapfile -t lines < "$1"
	for l in "${lines[@]}"; do
		case "$l" in "Result: "*) res=${l#Result: }; return ;; esac
	done
}

# set FILE CMD: one pktgen command, its result checked.
set_() {
	echo "$2" > "$1"
	result "$1"
	case "$res" in
	OK*) ;;
	*) echo "pktgen.sh: $2: $res" >&2; exit 1 ;;
	esac
}

echo rem_device_all > $pg/kpktgend_0
set_ $pg/kpktgend_0 "add_device $dev"
d=$pg/$dev
set_ "$d" "count $count"
set_ "$d" "clone_skb 0"
set_ "$d" "burst 1"
set_ "$d" "pkt_size 60"
set_ "$d" "delay 0"
set_ "$d" "dst_mac $dmac"
set_ "$d" "dst $dst"
set_ "$d" "udp_dst_min $dport"
set_ "$d" "udp_dst_max $dport"
set_ "$d" "src_min ${src%-*}"
set_ "$d" "src_max ${src#*-}"
set_ "$d" "udp_src_min ${sport%-*}"
set_ "$d" "udp_src_max ${sport#*-}"
if [ "${src%-*}" != "${src#*-}" ]; then
	set_ "$d" "flag IPSRC_RND"
else
	set_ "$d" "flag !IPSRC_RND"
fi
if [ "${sport%-*}" != "${sport#*-}" ]; then
	set_ "$d" "flag UDPSRC_RND"
else
	set_ "$d" "flag !UDPSRC_RND"
fi

# rx: eth0's rx_packets in RX-NS (0 without one), from `ip -s -o link':
# `... RX:  bytes packets errors ...\    BYTES PACKETS ...'.
rx() {
	local l
	[ -n "$rxns" ] || { echo 0; return; }
	l=$(ip -n "$rxns" -s -o link show dev eth0) || exit 1
	l=${l#*RX:*\\ }
	read -r _ l _ <<< "$l"
	echo "$l"
}

r0=$(rx)
if [ "$count" = 0 ]; then
	echo start > $pg/pgctrl &
	sleep "$secs"
	echo stop > $pg/pgctrl
	wait
else
	echo start > $pg/pgctrl
fi
# Result: OK: 1998123(c1998000+d123) usec, 123456 (60byte,0frags)
r1=$(rx)
result "$d"
case "$res" in
"OK: "*) res=${res#OK: } ;;
*) echo "pktgen.sh: $res" >&2; exit 1 ;;
esac
usec=${res%%(*}
sent=${res#*usec, }
sent=${sent%% *}
echo "$usec $sent $((r1 - r0))"
