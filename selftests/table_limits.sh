#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# conn_max: with `timeout set conn_max 20' twenty connections are made,
# the 21st new one is dropped and counted (drop_table_full), the existing
# ones keep working (a full table evicts nothing), and once they expire new
# connections work again.  `conn flush' empties the table.
#
#   [inet] 2.2.2.2 ---- WAN 1.1.1.1 [r] LAN 192.168.1.1
#                                     |
#                               [sw] br0 (switch)
#                                |              |
#              [srv] 192.168.1.2:5353/udp   [lan] 192.168.1.10
#
#   dnat add dst 1.1.1.1 proto udp dport 53 to 192.168.1.2:5353
. "$(dirname "$0")/lib.sh"
require_datapath
require_flood
require jq

topo_one_lan ""
serve srv udp 0.0.0.0 5353
# The limit is set before the first rule, as an administrator would.
check "conn_max 20" hp r timeout set conn_max 20 udp 3600
check "udp forward" hp r dnat add dst 1.1.1.1 proto udp dport 53 \
	to 192.168.1.2:5353

# conns_are N: the table holds N connections.
conns_are() { [ "$(hstat r conns)" = "$1" ]; }
# from inet, source port $1: the address the server saw (empty if none)
udp_from() { saw inet udp 1.1.1.1 53 -b "2.2.2.2:$1" -t "${2:-3}"; }

# One real flow (40000), then 19 more connections from nfhp_flood (an
# nfhp_peer client per connection takes a second or more under TCG).
check_eq "flow 40000 answered" 2.2.2.2 "$(udp_from 40000)"
n inet "$FLOOD" 2.2.2.2 1.1.1.1 53 19 -b 40001 >/dev/null ||
	fail "nfhp_flood failed"
slowwait 10 conns_are 20
check_eq "conns counter" 20 "$(hstat r conns)"
check_eq "conn list" 20 "$(hp r -j conn list | jq length)"
full0=$(hstat r drop_table_full)

check_fails "21st new connection is dropped" \
	ask inet udp 1.1.1.1 53 -b 2.2.2.2:40100 -t 1
check_eq "drop_table_full counts it" $((full0 + 1)) "$(hstat r drop_table_full)"
check_fails "and so is a 22nd" \
	ask inet udp 1.1.1.1 53 -b 2.2.2.2:40101 -t 1
check_eq "drop_table_full counts that too" $((full0 + 2)) "$(hstat r drop_table_full)"
check_eq "nothing evicted" 20 "$(hstat r conns)"
check_eq "established flow 40000 keeps its answers" 2.2.2.2 "$(udp_from 40000)"
check_eq "established flow 40019 keeps its answers" 2.2.2.2 "$(udp_from 40019)"
check_fails "the dropped one made no connection" sh -c \
	"$HAIRPIN -n $pfx""r conn list | grep -q ':40100 '"
check_eq "no more drops for established flows" $((full0 + 2)) \
	"$(hstat r drop_table_full)"

# Expiry: with a 2 s timeout, one more packet of each of the 20 flows
# brings its deadline forward; then they all expire.  (A long timeout until
# now: the checks above must not depend on how fast the machine is.)
check "udp 2" hp r timeout set udp 2
check_eq "flow 40000 refreshed" 2.2.2.2 "$(udp_from 40000)"
n inet "$FLOOD" 2.2.2.2 1.1.1.1 53 19 -b 40001 >/dev/null ||
	fail "nfhp_flood failed"
slowwait 30 conns_are 0
check_eq "all expired" 0 "$(hstat r conns)"
check "udp 3600 again" hp r timeout set udp 3600
check_eq "new connection works again" 2.2.2.2 "$(udp_from 40100)"
check_eq "one connection" 1 "$(hstat r conns)"

# conn flush empties the table.
n inet "$FLOOD" 2.2.2.2 1.1.1.1 53 5 -b 40200 >/dev/null ||
	fail "nfhp_flood failed"
slowwait 10 conns_are 6
check_eq "six connections" 6 "$(hstat r conns)"
check "conn flush" hp r conn flush
check_eq "flush: counter" 0 "$(hstat r conns)"
check_eq "flush: conn list" 0 "$(hp r -j conn list | jq length)"
check_eq "a flushed flow gets a new connection" 2.2.2.2 "$(udp_from 40200)"
check_eq "counted once" 1 "$(hstat r conns)"
hp r stats | sed 's/^/#   /'
exit $ksft_pass
