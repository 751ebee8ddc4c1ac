#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# nf_hairpin beside the kernel's NAT and plain routing, in one boot: the
# benchmark of `make bench' (issue 12).  Runs as root inside the test VM
# (tools/bench/run.sh boots it), never on a host.
#
#   tools/bench/bench.sh [--smoke] MODULE.ko
#
# One router topology (topo_br_lan in selftests/lib.sh) per configuration,
# each in its own namespaces, side by side:
#
#   [inet$T] 203.0.113.7 ---- wan 82.120.11.22 [r$T] br-lan 192.168.1.1
#     pktgen (DNAT path,                           (bridge: lan1 lan2)
#     new flows)                                    |            |
#                                [srv$T] 192.168.1.200   [lan$T] 192.168.1.10
#                                 receiver                 pktgen (masquerade,
#                                                          hairpin paths)
#
#   P   plain routing: no netfilter hook (the paths' packets addressed to
#       where the NAT would send them)
#   K   the kernel's NAT: nftables as OpenWrt's fw4 renders a port forward
#       with reflection and the wan zone's masquerade (fw4_nat in lib.sh)
#   H   nf_hairpin: `dnat add dst 82.120.11.22 proto udp dport 80 to
#       192.168.1.200', `snat add oif wan masquerade'
#   KF, HF  K and H under fw4's conntrack filter (fw4_filter: `ct state
#       established,related accept' first in forward)
#   C   the ceiling: pktgen to a veth whose peer drops, nothing between
#
# Traffic: the kernel's pktgen (tools/bench/pktgen.sh) in the sender's
# namespace, 64-byte UDP frames, straight into the veth; the receivers
# drop every IPv4 packet at tc ingress (matchall) and the packets counted
# are their veth's rx_packets, so neither costs a hook.  pktgen transmits
# with bottom halves disabled and the veth hands the packet to the
# backlog: the router's and the receiver's softirq run when pktgen
# re-enables them, the whole path on one CPU per packet, and the rate is
# that of the path (the ceiling C shows the sender's and receiver's
# share).  That holds while the softirq keeps up: net_rx_action() stops
# after netdev_budget_usecs (2 ms, one jiffy at HZ=250, which a timer
# tick under TCG ends early), hands the rest to ksoftirqd, and pktgen
# then fills the backlog faster than ksoftirqd empties it (drops, and a
# rate that measures the scheduler).  The budget is raised to 100 ms and
# the backlog to 10,000 here, and a run where the receiver counted under
# 90% of what was sent is reported as BAD (the benchmark fails).
#
# Figures (each a set of per-round ratios; rounds interleaved, the order
# of the configurations rotated every round):
#   1  established flow, DNAT path (Internet -> forward), masquerade (LAN
#      -> Internet), hairpin (LAN -> public address -> server); each flow
#      answered once before (conntrack sees it established), 1,000 other
#      connections in every table
#   2  new connections/s: every packet from a random address of 10/8 and
#      port (IPSRC_RND, UDPSRC_RND), DNAT path, into an emptied table and
#      into one around 90% full (conn_max for nf_hairpin, nf_conntrack_max
#      for conntrack, both FULL)
#   3  bytes per connection at MID and BIG entries: the slab's growth
#      (/proc/meminfo Slab) while pktgen fills the table, per connection,
#      plus the hash tables (nf_hairpin's buckets, conn_max/4 rounded up
#      to a power of two, at most 2^18; nf_conntrack_buckets and nf_nat's
#      bysource table, 8 bytes a bucket)
#   4  established DNAT flow with BIG entries vs 1,000 (nf_hairpin: same
#      rounds; conntrack's table is global, so K with BIG entries is
#      compared as K/P against K/P of figure 1), and the new-connection
#      rate with RULES forwards (the measured one last) vs one
#   5  time to load RULES forwards: `hairpin restore' vs `nft -f' of what
#      fw4 renders for them (3 rules each: dnat, reflection dnat and snat)
#
# Output: progress as `# ' lines, the rates of every run as `RAW' lines,
# the figures as `TSV' lines (tab-separated: figure, configuration, ratio,
# min, median, max, rounds, note), then the table.  Exit status non-zero
# when a run counted no packet or a figure is missing.
#
# Sizes (environment): BENCH_ROUNDS (5), BENCH_SECS (seconds a flow runs,
# 2), BENCH_NEW (new connections per run, 10000), BENCH_FULL (table limit
# for figure 2, 400000), BENCH_MID (100000), BENCH_BIG (1000000),
# BENCH_RULES (10000), BENCH_FIGS (figures to run, "1 2 3 4 5").
# --smoke: one round of each at small sizes, for `make check'.
# --profile: no figures; `perf record -a -g' (cpu-clock) while pktgen
# drives the established DNAT flow, then new connections, through H, K,
# HF and KF in turn (BENCH_SECS each, 5 by default), and the top symbols
# of each (`perf report --no-children'), as `PERF' lines.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
smoke=0
profile=0
[ "${1:-}" = --smoke ] && { smoke=1; shift; }
[ "${1:-}" = --profile ] && { profile=1; shift; }
ko=${1:-$root/nf_hairpin.ko}
export NFHP_KO=$ko
. "$root/selftests/lib.sh"
require nft jq tc
[ -x "$HAIRPIN" ] || fail "hairpin not built (make cli)"
PKTGEN=$here/pktgen.sh

if [ "$smoke" = 1 ]; then
	: "${BENCH_ROUNDS:=1}" "${BENCH_SECS:=0.2}" "${BENCH_NEW:=500}"
	: "${BENCH_FULL:=5000}" "${BENCH_MID:=1000}" "${BENCH_BIG:=4000}"
	: "${BENCH_RULES:=200}"
fi
[ "$profile" = 1 ] && : "${BENCH_SECS:=5}"
ROUNDS=${BENCH_ROUNDS:-5}
SECS=${BENCH_SECS:-2}
NEW=${BENCH_NEW:-10000}
FULL=${BENCH_FULL:-400000}
MID=${BENCH_MID:-100000}
BIG=${BENCH_BIG:-1000000}
RULES=${BENCH_RULES:-10000}
FIGS=${BENCH_FIGS:-1 2 3 4 5}
SETTLE=1
[ "$smoke" = 1 ] && SETTLE=0.2
fig() { case " $FIGS " in *" $1 "*) return 0 ;; esac; return 1; }

PUB=82.120.11.22
INET=203.0.113.7
SRV=192.168.1.200
LAN=192.168.1.10
RANDSRC=10.0.0.1-10.255.255.254
RANDPORT=1024-65535

t_start=$SECONDS
modprobe -q nf_nat || fail "modprobe nf_nat"
modprobe -q nf_defrag_ipv4
modprobe -q pktgen || fail "modprobe pktgen"
# Global settings changed here are put back at exit: make check runs
# other tests after this one in the same boot.
for f in net/core/netdev_budget_usecs net/core/netdev_max_backlog \
	net/netfilter/nf_conntrack_max net/netfilter/nf_conntrack_buckets; do
	on_exit "echo $(cat /proc/sys/$f) > /proc/sys/$f"
done
echo 100000 > /proc/sys/net/core/netdev_budget_usecs
echo 10000 > /proc/sys/net/core/netdev_max_backlog
if ! module_loaded; then
	insmod "$ko" || fail "insmod $ko"
	on_exit "rmmod nf_hairpin"
fi
# nf_nat's bysource table was sized as the conntrack table when nf_nat
# loaded (both sized from the RAM): remember it before the buckets change.
NAT_BUCKETS=$(cat /proc/sys/net/netfilter/nf_conntrack_buckets)
log "$(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print $2 / 1024 " MiB" }' /proc/meminfo);" \
	"rounds $ROUNDS, ${SECS}s a flow, $NEW new connections a run," \
	"figure 2 table $FULL, figure 3 $MID and $BIG, $RULES rules"

# ---- topology ----

# Fixed MAC addresses (each namespace is its own link): neighbours and
# the bridge's ports are static, nothing is resolved or flooded in a run.
M_WAN=02:00:00:00:00:01
M_BR=02:00:00:00:00:02
M_SRV=02:00:00:00:00:03
M_LAN=02:00:00:00:00:04
M_INET=02:00:00:00:00:05

# drop_in NS: every IPv4 packet NS's eth0 receives is dropped at tc
# ingress (ARP still works).
drop_in() {
	printf '%s\n' "qdisc add dev eth0 clsact" \
		"filter add dev eth0 ingress protocol ip pref 1 matchall action drop" |
		tc -n "$pfx$1" -b - || fail "tc drop in $1"
}

# host T NS MAC GW GWMAC: NS's eth0 gets MAC, its gateway GW a static
# neighbour entry, and its IPv4 input a drop (it only receives).
host() {
	ipb "$2$1" <<-EOF
	link set eth0 address $3
	neigh replace $4 lladdr $5 dev eth0 nud permanent
	EOF
	drop_in "$2$1"
}

# setup T KIND [CONN_MAX]: topo_br_lan T with KIND's NAT (P K H KF HF).
# Timeouts of an hour: the flows of one round wait for the others.
setup() {
	local t=$1 kind=$2
	topo_br_lan "$t"
	host "$t" srv $M_SRV 192.168.1.1 $M_BR
	host "$t" lan $M_LAN 192.168.1.1 $M_BR
	host "$t" inet $M_INET $PUB $M_WAN
	ipb "r$t" <<-EOF
	link set wan address $M_WAN
	link set br-lan address $M_BR
	neigh replace $SRV lladdr $M_SRV dev br-lan nud permanent
	neigh replace $LAN lladdr $M_LAN dev br-lan nud permanent
	neigh replace $INET lladdr $M_INET dev wan nud permanent
	EOF
	printf '%s\n' "fdb replace $M_SRV dev lan1 master static" \
		"fdb replace $M_LAN dev lan2 master static" |
		bridge -n "${pfx}r$t" -b - || fail "fdb in r$t"
	n "r$t" sysctl -qw net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.br-lan.send_redirects=0 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.wan.rp_filter=0 net.ipv4.conf.br-lan.rp_filter=0 \
		net.netfilter.nf_conntrack_udp_timeout=3600 \
		net.netfilter.nf_conntrack_udp_timeout_stream=3600 ||
		fail "sysctl in r$t"
	case "$kind" in
	*F) fw4_filter "r$t" br-lan wan ;;
	esac
	case "$kind" in
	K*) fw4_nat "r$t" br-lan wan 192.168.1.0/24 192.168.1.1 $PUB $SRV udp 80 ;;
	H*)
		hp "r$t" timeout set udp_unreplied 3600 udp 3600 || fail "timeouts r$t"
		[ -n "${3:-}" ] && { hp "r$t" config set conn_max "$3" || fail "conn_max r$t"; }
		printf '%s\n' "dnat add dst $PUB proto udp dport 80 to $SRV" \
			"snat add oif wan masquerade" | hp "r$t" restore - ||
			fail "rules r$t"
		;;
	esac
}

# The ceiling: pktgen into a veth whose peer drops everything.
setup_ceiling() {
	ns_create gC sC
	ipb "" <<-EOF
	link add eth0 netns ${pfx}gC type veth peer name eth0 netns ${pfx}sC
	EOF
	printf 'link set lo up\nlink set eth0 up\naddr add 10.9.0.1/24 dev eth0\n' | ipb gC
	printf 'link set lo up\nlink set eth0 up\naddr add 10.9.0.2/24 dev eth0\n' | ipb sC
	echo "link set eth0 address $M_SRV" | ipb sC
	drop_in sC
}

# ---- runs ----

# path T KIND PATH: the sender, its packet and the receiver of PATH
# (dnat, masq, hairpin, new) through r$T; sets snd src dst sport dport
# dmac rcv.
path() {
	case "$3" in
	dnat | new)
		snd=inet$1 rcv=srv$1 dmac=$M_WAN dport=80
		src=$INET sport=40000 dst=$PUB
		[ "$3" = new ] && { src=$RANDSRC sport=$RANDPORT; }
		;;
	masq)
		snd=lan$1 rcv=inet$1 dmac=$M_BR src=$LAN sport=40002
		dst=$INET dport=5000
		;;
	hairpin)
		snd=lan$1 rcv=srv$1 dmac=$M_BR src=$LAN sport=40001
		dst=$PUB dport=80
		;;
	esac
	# Plain routing: to where the NAT would have sent the packet.
	[ "$2" = P ] && [ "$dst" = $PUB ] && dst=$SRV
	return 0
}

# run T KIND PATH COUNT: one pktgen run (COUNT packets, or SECS seconds
# with COUNT 0); sets rate (packets received per second) and got.
# pg NS ARGS...: pktgen.sh ARGS from NS's eth0; nsenter, as pktgen needs
# only the namespace's /proc/net, not the sysfs `ip netns exec' mounts.
pg() {
	local ns=$1
	shift
	nsenter --net="/run/netns/$pfx$ns" "$PKTGEN" eth0 "$@"
}

runs_bad=0
run() {
	local t=$1 kind=$2 out usec sent
	path "$t" "$kind" "$3"
	out=$(pg "$snd" "$dmac" "$src" "$dst" "$sport" "$dport" "$4" "$SECS" \
		"$pfx$rcv") || fail "pktgen in $snd: $out"
	read -r usec sent got <<< "$out"
	rate=$((got * 1000000 / usec))
	if [ "$got" -le 0 ] || [ "$((got * 10))" -lt "$((sent * 9))" ]; then
		log "BAD: $kind r$t $3: $sent sent, $got received"
		runs_bad=$((runs_bad + 1))
	fi
}

declare -A R
# record KEY ROUND: the rate of the last run as R[KEY,ROUND].
record() {
	R[$1,$2]=$rate
	printf 'RAW\t%s\t%s\t%s\t%s\n' "$1" "$2" "$rate" "$got"
}

ceiling() {
	local out usec sent
	out=$(pg gC $M_SRV 10.9.0.1 10.9.0.2 9 9 0 "$SECS" "${pfx}sC") ||
		fail "pktgen ceiling: $out"
	read -r usec sent got <<< "$out"
	rate=$((got * 1000000 / usec))
	[ "$got" -gt 0 ] || { log "BAD: ceiling: nothing received"; runs_bad=$((runs_bad + 1)); }
}

# flush T KIND: forget every connection of r$T; then a second for the RCU
# callbacks that free them, which run as softirqs and would push the
# next run's packets to ksoftirqd (see above).
flush() {
	case "$2" in
	K*) n "r$1" conntrack -F 2>/dev/null ;;
	HF) hp "r$1" conn flush && n "r$1" conntrack -F 2>/dev/null ;;
	H*) hp "r$1" conn flush ;;
	*) return 0 ;;
	esac
	sleep "$SETTLE"
}

# fill T N: N new connections through r$T's forward (a pktgen run, not
# measured).
fill() {
	local out
	path "$1" x new
	out=$(pg "$snd" "$dmac" "$src" "$dst" "$sport" "$dport" "$2" 0) ||
		fail "fill r$1: $out"
}

# prime T KIND [PATH...]: each path's flow (default: dnat masq hairpin)
# through r$T once, answered once, so that conntrack has it established
# as nf_hairpin has it replied.
prime() {
	local t=$1 kind=$2 p c paths=("${@:3}")
	[ "${#paths[@]}" -gt 0 ] || paths=(dnat masq hairpin)
	for p in "${paths[@]}"; do
		run "$t" "$kind" "$p" 3
	done
	[ "$kind" = P ] && return
	for p in "${paths[@]}"; do
		case $p in
		dnat) n "srv$t" socat -u - UDP4-SENDTO:$INET:40000,sourceport=80 <<< x ;;
		hairpin) n "srv$t" socat -u - UDP4-SENDTO:192.168.1.1:40001,sourceport=80 <<< x ;;
		masq) n "inet$t" socat -u - UDP4-SENDTO:$PUB:40002,sourceport=5000 <<< x ;;
		esac
		run "$t" "$kind" "$p" 3
	done
	case "$kind" in
	H*) c=$(hstat "r$t" conns) ;;
	K*) c=$(n "r$t" conntrack -C) ;;
	esac
	[ "${c:-0}" -ge "${#paths[@]}" ] ||
		fail "r$t: ${#paths[@]} flows primed, ${c:-no} connections"
}

# kind_of T: the configuration of router r$T (H90, HR, HM: H; ...).
kind_of() {
	case "$1" in
	HF | KF | P) echo "$1" ;;
	H*) echo H ;;
	K*) echo K ;;
	esac
}

# buckets CONN_MAX: nf_hairpin's hash buckets for that conn_max (see
# nfhp_conn_table_alloc()): conn_max / 4, 1024 to 2^18, rounded up to a
# power of two.  Conntrack's get as many.
buckets() {
	awk -v m="$1" 'BEGIN { s = int(m / 4); if (s < 1024) s = 1024
		if (s > 262144) s = 262144; b = 1; while (b < s) b *= 2; printf "%d", b }'
}

# rotate N WORD...: the words rotated left by N.
rotate() {
	local k=$(($1 % ($# - 1)))
	shift
	echo "${@:k+1}" "${@:1:k}"
}

# ---- figures: ratios of per-round rates ----

figs=()
# ratio FIG CONFIG NAME NUM DEN NOTE: the per-round ratios R[NUM,r] /
# R[DEN,r] as one figure line (min, median, max).
ratio() {
	local r vals=()
	for ((r = 1; r <= ROUNDS; r++)); do
		[ -n "${R[$4,$r]:-}" ] && [ -n "${R[$5,$r]:-}" ] || continue
		vals+=("$(calc "${R[$4,$r]} / ${R[$5,$r]}")")
	done
	figline "$1" "$2" "$3" "$6" "${vals[@]}"
}

# figline FIG CONFIG NAME NOTE VALUE...: one TSV line of the figure.
figline() {
	local f=$1 c=$2 name=$3 note=$4 line
	shift 4
	if [ "$#" = 0 ]; then
		line=$(printf '%s\t%s\t%s\t-\t-\t-\t0\t%s' "$f" "$c" "$name" "MISSING $note")
		runs_bad=$((runs_bad + 1))
	else
		line=$(printf '%s\n' "$@" | sort -g | awk -v f="$f" -v c="$c" -v n="$name" -v note="$note" '
			{ v[NR] = $1 }
			END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			      printf "%s\t%s\t%s\t%.2f\t%.2f\t%.2f\t%d\t%s", f, c, n, v[1], m, v[NR], NR, note }')
	fi
	figs+=("$line")
	printf 'TSV\t%s\n' "$line"
}

kinds=(P K H KF HF)
log "setting up ${kinds[*]} and the ceiling"
for k in "${kinds[@]}"; do
	setup "$k" "$k"
done
setup_ceiling
for k in "${kinds[@]}"; do
	prime "$k" "$k"
	fill "$k" 1000
done
[ "$runs_bad" = 0 ] || fail "a path does not carry packets (BAD above)"
log "set up in $((SECONDS - t_start)) s"

# perf_top T KIND PATH: a profile of the whole machine while PATH's
# pktgen runs through r$T (for new connections: as many as SECS allow,
# the table flushed first); its top symbols as PERF lines.
perf_top() {
	local t=$1 kind=$2 p=$3 data=$tmp/perf.data pid
	flush "$t" "$kind"
	perf record -q -a -g -e cpu-clock -F 1999 -o "$data" 2>/dev/null &
	pid=$!
	sleep 1
	path "$t" "$kind" "$p"
	pg "$snd" "$dmac" "$src" "$dst" "$sport" "$dport" 0 "$SECS" "$pfx$rcv" > /dev/null ||
		fail "pktgen for perf"
	kill -INT "$pid"
	wait "$pid"
	perf report -i "$data" --no-children --sort sym --stdio -q 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -n 40 |
		sed "s/^/PERF	$kind	$p	/"
	# where the nf_hairpin and nf_nat/conntrack/nft share goes, by module
	perf report -i "$data" --no-children --sort dso --stdio -q 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -n 12 | sed "s/^/PERF	$kind	$p	dso /"
	rm -f "$data"
}

if [ "$profile" = 1 ]; then
	require perf
	echo 0 > /proc/sys/kernel/kptr_restrict
	echo -1 > /proc/sys/kernel/perf_event_paranoid
	for p in dnat new; do
		for k in H K HF KF; do
			perf_top "$k" "$k" "$p"
		done
	done
	exit 0
fi

# ---- figure 5 first: it loads the routers of figure 4's rules ----

# rule files: RULES forwards of udp ports 10000.. and 80 last.
{
	for ((p = 10000; p < 10000 + RULES - 1; p++)); do
		echo "dnat add dst $PUB proto udp dport $p to $SRV:80"
	done
	echo "dnat add dst $PUB proto udp dport 80 to $SRV:80"
	echo "snat add oif wan masquerade"
} > "$tmp/hp.rules"
awk -v pub=$PUB -v srv=$SRV '
	$1 == "dnat" { p = $8
		wan = wan sprintf("\t\tip daddr %s udp dport %s dnat ip to %s:80 comment \"!fw4: fwd-udp-%s\"\n", pub, p, srv, p)
		lan = lan sprintf("\t\tip saddr 192.168.1.0/24 ip daddr %s udp dport %s dnat ip to %s:80 comment \"!fw4: fwd-udp-%s (reflection)\"\n", pub, p, srv, p)
		slan = slan sprintf("\t\tip saddr 192.168.1.0/24 ip daddr %s udp dport 80 snat ip to 192.168.1.1 comment \"!fw4: fwd-udp-%s (reflection)\"\n", srv, p) }
	END {
		print "table inet fw4 {"
		print "\tchain dstnat {\n\t\ttype nat hook prerouting priority dstnat; policy accept;"
		print "\t\tiifname \"br-lan\" jump dstnat_lan\n\t\tiifname \"wan\" jump dstnat_wan\n\t}"
		print "\tchain srcnat {\n\t\ttype nat hook postrouting priority srcnat; policy accept;"
		print "\t\toifname \"br-lan\" jump srcnat_lan\n\t\toifname \"wan\" jump srcnat_wan\n\t}"
		printf "\tchain dstnat_lan {\n%s\t}\n", lan
		printf "\tchain srcnat_lan {\n%s\t}\n", slan
		printf "\tchain dstnat_wan {\n%s\t}\n", wan
		print "\tchain srcnat_wan {\n\t\tmeta nfproto ipv4 masquerade\n\t}"
		print "}"
	}' "$tmp/hp.rules" > "$tmp/nft.rules"

if fig 4 || fig 5; then
	setup HR H
	setup KR P
	n rKR nft -f - <<< "table inet fw4 { }" || fail "nft table in rKR"
	hp rHR timeout set udp_unreplied 3600 udp 3600
	for ((r = 1; r <= ROUNDS; r++)); do
		for w in $(rotate "$r" H K); do
			if [ "$w" = H ]; then
				hp rHR flush
				t0=${EPOCHREALTIME/[.,]/}
				hp rHR restore "$tmp/hp.rules" || fail "hairpin restore"
			else
				n rKR nft flush ruleset
				t0=${EPOCHREALTIME/[.,]/}
				n rKR nft -f "$tmp/nft.rules" || fail "nft -f"
			fi
			t1=${EPOCHREALTIME/[.,]/}
			# a rate: loads per second
			rate=$(calc "1000000 / ($t1 - $t0)")
			got=$RULES
			record "load$w" "$r"
		done
		log "figure 5 round $r: hairpin restore $(calc "1 / ${R[loadH,$r]}") s," \
			"nft -f $(calc "1 / ${R[loadK,$r]}") s"
	done
	[ "$(hp rHR -j dnat list | jq length)" = "$RULES" ] || fail "rHR has not $RULES rules"
	prime HR H dnat
	prime KR K dnat
fi

log "figure 5 and its routers: $((SECONDS - t_start)) s from the start"

# ---- figure 1: established flows ----

if fig 1 || fig 4; then
	for ((r = 1; r <= ROUNDS; r++)); do
		for p in dnat masq hairpin; do
			for k in $(rotate "$r" "${kinds[@]}"); do
				run "$k" "$k" "$p" 0
				record "$p$k" "$r"
			done
		done
		ceiling
		record C "$r"
		log "figure 1 round $r: dnat H/K $(calc "${R[dnatH,$r]} / ${R[dnatK,$r]}")," \
			"P $(printf %.0f "${R[dnatP,$r]}") pps, ceiling $(printf %.0f "${R[C,$r]}") pps"
	done
fi

log "figure 1: $((SECONDS - t_start)) s from the start"

# ---- figure 2 (and 4: rules): new connections ----

if fig 2 || fig 4; then
	echo "$FULL" > /proc/sys/net/netfilter/nf_conntrack_max
	# both tables with the same buckets: nf_hairpin's conn_max / 4
	b=$(buckets "$FULL")
	echo "$b" > /proc/sys/net/netfilter/nf_conntrack_buckets
	setup H90 H "$FULL"
	setup K90 K
	prime H90 H dnat
	prime K90 K dnat
	# Filled once, to 90% less half of what the rounds add, so that the
	# runs straddle 90%.
	base=$((FULL * 9 / 10 - ROUNDS * NEW / 2))
	[ "$base" -gt 0 ] || base=0
	t0=$SECONDS
	fill H90 "$base"
	fill K90 "$base"
	log "figure 2: filled to $base of $FULL in $((SECONDS - t0)) s (buckets $b)"
	new=(P K H KF HF H90 K90)
	fig 4 && new+=(HR KR)
	for ((r = 1; r <= ROUNDS; r++)); do
		for k in $(rotate "$r" "${new[@]}"); do
			kind=$(kind_of "$k")
			[ "$k" = "${k%90}" ] && flush "$k" "$kind"
			run "$k" "$kind" new "$NEW"
			record "new$k" "$r"
		done
		log "figure 2 round $r: H/K $(calc "${R[newH,$r]} / ${R[newK,$r]}")," \
			"90%: $(calc "${R[newH90,$r]} / ${R[newK90,$r]}")," \
			"P $(printf %.0f "${R[newP,$r]}") conn/s"
	done
	for k in "${new[@]}"; do
		[ "$k" = "${k%90}" ] && flush "$k" "$(kind_of "$k")"
	done
	log "figure 2: H90 holds $(hp rH90 -j stats | jq .conns) connections," \
		"K90 $(n rK90 conntrack -C)"
fi

log "figure 2: $((SECONDS - t_start)) s from the start"

# ---- figure 3: bytes per connection; figure 4: BIG entries ----

slab_kb() { awk '/^Slab:/ { print $2 }' /proc/meminfo; }

# grow T TO: fill r$T from what it has to TO connections; sets bytes (the
# slab's growth per connection since the last grow of T).
declare -A had
grow() {
	local t=$1 to=$2 s0 s1 from=${had[$1]:-0}
	sync
	s0=$(slab_kb)
	fill "$t" $((to - from))
	s1=$(slab_kb)
	had[$t]=$to
	bytes=$(calc "($s1 - $s0) * 1024 / ($to - $from)")
}

if fig 3 || fig 4; then
	echo $((BIG + BIG / 5)) > /proc/sys/net/netfilter/nf_conntrack_max
	b=$(buckets $((BIG + BIG / 5)))
	echo "$b" > /proc/sys/net/netfilter/nf_conntrack_buckets
	setup HM H $((BIG + BIG / 5))
	setup KM K
	prime HM H dnat
	prime KM K dnat
	# hash bytes: nf_hairpin's buckets (8 bytes); conntrack's buckets
	# (hlist_nulls_head) and nf_nat's bysource heads, 8 bytes each.
	hhash=$((b * 8))
	khash=$(((b + NAT_BUCKETS) * 8))
	for n_ in $MID $BIG; do
		t0=$SECONDS
		grow HM "$n_"
		hb=$bytes
		grow KM "$n_"
		kb=$bytes
		hc=$(hp rHM -j stats | jq .conns)
		kc=$(n rKM conntrack -C)
		log "figure 3: $n_ entries (H $hc, K $kc) in $((SECONDS - t0)) s:" \
			"slab H $(printf %.0f "$hb") B, K $(printf %.0f "$kb") B a connection;" \
			"hash H $hhash B, K $khash B"
		ht=$(calc "$hb + $hhash / $n_")
		kt=$(calc "$kb + $khash / $n_")
		figline 3 "DNAT, $n_ entries" "bytes H/K" \
			"H $(printf %.0f "$ht") B, K $(printf %.0f "$kt") B a connection, hash included" \
			"$(calc "$ht / $kt")"
		figline 3 "DNAT, $n_ entries, slab only" "bytes H/K" \
			"H $(printf %.0f "$hb") B, K $(printf %.0f "$kb") B" "$(calc "$hb / $kb")"
	done
	grep -E '^(nfhp_conn|nf_conntrack) ' /proc/slabinfo | sed 's/^/# slabinfo: /'
fi

if fig 4; then
	# The same flow through HM and H, KM and K, P: interleaved rounds.
	for ((r = 1; r <= ROUNDS; r++)); do
		for k in $(rotate "$r" P H HM K KM); do
			kind=$(kind_of "$k")
			run "$k" "$kind" dnat 0
			record "bigdnat$k" "$r"
		done
		# conntrack's table is global: K's and P's rates of figure 1
		# (before the fill) against KM's and P's now.
		[ -n "${R[dnatK,$r]:-}" ] && {
			rate=$(calc "(${R[bigdnatKM,$r]} / ${R[bigdnatP,$r]}) / (${R[dnatK,$r]} / ${R[dnatP,$r]})")
			R[kbig,$r]=$rate
			R[one,$r]=1
		}
		log "figure 4 round $r: H $BIG/1000 $(calc "${R[bigdnatHM,$r]} / ${R[bigdnatH,$r]}")"
	done
fi

# ---- the table ----

if fig 1; then
	for p in dnat masq hairpin; do
		case $p in
		dnat) d="DNAT path" ;;
		masq) d="masquerade path" ;;
		hairpin) d="hairpin path" ;;
		esac
		ratio 1 "$d" "rate H/K" "${p}H" "${p}K" "target >= 1.2"
		ratio 1 "$d" "rate H/P" "${p}H" "${p}P" "target >= 0.9"
		ratio 1 "$d" "rate K/P" "${p}K" "${p}P" ""
		ratio 1 "$d, fw4 filter" "rate HF/KF" "${p}HF" "${p}KF" "target >= 0.95"
		ratio 1 "$d, fw4 filter" "rate HF/P" "${p}HF" "${p}P" ""
		ratio 1 "$d, fw4 filter" "rate KF/P" "${p}KF" "${p}P" ""
	done
	ratio 1 "plain routing vs sender alone" "rate P/C" dnatP C "the path's share"
fi
if fig 2; then
	ratio 2 "empty table" "rate H/K" newH newK "target >= 1.5"
	ratio 2 "empty table" "rate H/P" newH newP ""
	ratio 2 "empty table" "rate K/P" newK newP ""
	ratio 2 "empty table, fw4 filter" "rate HF/KF" newHF newKF ""
	ratio 2 "90% full" "rate H/K" newH90 newK90 "target >= 1.5"
	ratio 2 "90% full vs empty" "rate H90/H" newH90 newH ""
	ratio 2 "90% full vs empty" "rate K90/K" newK90 newK ""
fi
if fig 4; then
	ratio 4 "established DNAT, $BIG vs 1000 entries" "cost H" bigdnatH bigdnatHM "target <= 1.1"
	ratio 4 "established DNAT, $BIG vs 1000 entries" "cost K" one kbig "K/P now vs K/P of figure 1 (global table)"
	ratio 4 "new connections, $RULES rules vs 1" "rate H" newHR newH "target >= 0.95"
	ratio 4 "new connections, $RULES rules vs 1" "rate K" newKR newK ""
fi
if fig 5; then
	ratio 5 "load $RULES forwards" "speed H/K" loadH loadK "target > 1; nft: 3 rules a forward as fw4"
fi

echo "#"
log "$(printf '%-3s %-44s %-11s %6s %6s %6s %3s  %s' fig configuration ratio min median max n note)"
printf '%s\n' "${figs[@]}" | sort -s -t "$(printf '\t')" -k1,1n > "$tmp/figs"
while IFS= read -r l; do
	IFS=$'\t' read -r f c name mn md mx cnt note <<< "$l"
	log "$(printf '%-3s %-44s %-11s %6s %6s %6s %3s  %s' "$f" "$c" "$name" "$mn" "$md" "$mx" "$cnt" "$note")"
done < "$tmp/figs"
log "took $((SECONDS - t_start)) s"
[ "$runs_bad" = 0 ] || fail "$runs_bad runs or figures bad (BAD or MISSING above)"
exit 0
