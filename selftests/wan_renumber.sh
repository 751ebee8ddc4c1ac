#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The router's WAN address changes (DHCP or PPPoE renumbering) under a
# steady masqueraded UDP flow: the flow's connection ends (addr_gone) and
# its next packet leaves from the new address, in both directions.  The
# WAN going down and up ends it too; a loopback (reflected) connection
# ends when the router's LAN address goes; a `dst local' port forward
# answers at whatever address the WAN has now.
#
#   [inet] 2.2.2.2:9999 (UDP sink, echoes) ---- WAN 1.1.1.1 -> 1.1.1.2 [r]
#                                                  LAN 192.168.1.1
#                                                    |
#                                              [sw] br0 (switch)
#                                         |                  |
#                        [srv] 192.168.1.2:5353/udp   [lan] 192.168.1.10:40000
#                                                     (a datagram every 50 ms)
#
#   snat add oif WAN masquerade
#   dnat add dst local proto udp dport 53 to 192.168.1.2:5353
. "$(dirname "$0")/lib.sh"
require_datapath
require python3

topo_one_lan ""
# The Internet host reaches the router's whole WAN subnet: the new address
# too (its old route was to 1.1.1.1 alone).
ipb inet <<< "route add 1.1.1.0/24 dev eth0"
serve srv udp 0.0.0.0 5353

check "masquerade out of WAN" hp r snat add oif WAN masquerade
check "a port forward on every local address" hp r dnat add dst local \
	proto udp dport 53 to 192.168.1.2:5353
check_eq "forward at 1.1.1.1" 2.2.2.2 "$(saw inet udp 1.1.1.1 53)"

# The flow: `sink LOG' logs "source-address seq" of each datagram and echoes
# it; `send LOG' sends a sequence number every 50 ms from port 40000 and
# logs each echo it gets back.
cat > "$tmp/udp.py" <<'EOF'
import select, socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
log = open(sys.argv[2], "w", buffering=1)
if sys.argv[1] == "sink":
    s.bind(("0.0.0.0", 9999))
    while True:
        data, peer = s.recvfrom(2048)
        log.write("%s %s\n" % (peer[0], data.decode()))
        s.sendto(data, peer)
s.bind(("0.0.0.0", 40000))
seq, due = 0, time.monotonic()
while True:
    now = time.monotonic()
    if now >= due:
        try:
            s.sendto(b"%d" % seq, ("2.2.2.2", 9999))
        except OSError:
            pass
        seq, due = seq + 1, max(due + 0.05, now)
    if select.select([s], [], [], max(0, due - time.monotonic()))[0]:
        log.write(s.recv(2048).decode() + "\n")
EOF
n inet python3 "$tmp/udp.py" sink "$tmp/sink" &
slowwait 20 n inet sh -c 'ss -Hlun | grep -q ":9999 "' || fail "UDP sink"
n lan python3 "$tmp/udp.py" send "$tmp/echo" &

# lines FILE: how many lines FILE has.
lines() { wc -l < "$1"; }
# from ADDR AFTER: a datagram from ADDR after the sink's first AFTER lines.
from() { tail -n +$(($2 + 1)) "$tmp/sink" | grep -q "^$1 "; }
# count_from ADDR AFTER: how many.
count_from() { tail -n +$(($2 + 1)) "$tmp/sink" | grep -c "^$1 "; }
# echoes_after N: the LAN host got ten more echoes than N.
echoes_after() { [ "$(lines "$tmp/echo")" -ge $(($1 + 10)) ]; }
# gone_above N: addr_gone went past N.
gone_above() { [ "$(hstat r addr_gone)" -gt "$1" ]; }

check "the flow leaves from 1.1.1.1" slowwait 20 from 1.1.1.1 0
check "its echoes come back" slowwait 10 echoes_after 0
hp r conn list | sed 's/^/#   /'
gone=$(hstat r addr_gone)

# wan CMD...: `ip' commands (one an argument) on the router, then the
# routes out of WAN that losing its last address or going down removed;
# $sent and $echoed: how far the sink's and the echoes' logs were then.
wan() {
	{
		printf '%s\n' "$@"
		echo "route replace 2.2.2.2/32 dev WAN"
		echo "route replace default via 2.2.2.2 dev WAN"
	} | ipb r
	sent=$(lines "$tmp/sink")
	echoed=$(lines "$tmp/echo")
}

# ---- renumbering: what a DHCP client does, in one go ----
wan "addr del 1.1.1.1/24 dev WAN" "addr add 1.1.1.2/24 dev WAN"
check "the flow leaves from the new address" slowwait 5 from 1.1.1.2 "$sent"
# A second of the flow on the new address, then: after the change, at most
# one datagram (one interval: the work that ends the connection runs after
# the address went) from the old one.
slowwait 5 eval '[ "$(count_from 1.1.1.2 "$sent")" -ge 20 ]' ||
	fail "the flow from 1.1.1.2 stalled: $(tail -n 3 "$tmp/sink" | tr '\n' ' ')"
old=$(count_from 1.1.1.1 "$sent")
log "after the change: $old datagram(s) from 1.1.1.1, $(count_from 1.1.1.2 "$sent") from 1.1.1.2"
[ "$old" -le 1 ] || fail "$old datagrams from the old address after the change"
log "ok: nothing from the old address after one interval"
check "echoes reach the LAN host on the new mapping" slowwait 5 \
	echoes_after "$echoed"
hp r conn list | sed 's/^/#   /'
check "the masqueraded connection is on 1.1.1.2" \
	eval 'hp r conn list | grep -q "2.2.2.2:9999 *-> *1.1.1.2:"'
check_eq "one connection ended (addr_gone)" $((gone + 1)) "$(hstat r addr_gone)"

# ---- the port forward follows ----
check_eq "forward at 1.1.1.2" 2.2.2.2 "$(saw inet udp 1.1.1.2 53)"
check_fails "nothing at 1.1.1.1 any more" ask inet udp 1.1.1.1 53 -t 1

# ---- the WAN goes down and comes back ----
gone=$(hstat r addr_gone)
ipb r <<< "link set WAN down"
check "WAN down ends the masqueraded connection (addr_gone)" \
	slowwait 5 gone_above "$gone"
check_fails "no masqueraded connection while WAN is down" \
	eval 'hp r conn list | grep -q ":9999"'
wan "link set WAN up"
check "the flow is back after WAN up" slowwait 10 from 1.1.1.2 "$sent"
check "and so are its echoes" slowwait 5 echoes_after "$echoed"

# ---- loopback SNAT ends with the router's LAN address ----
check_eq "hairpin (reflected to 192.168.1.1)" 192.168.1.1 \
	"$(saw lan udp 1.1.1.2 53 -b 192.168.1.10:41000)"
check "reflected connection listed" \
	eval 'hp r conn list | grep -q "192.168.1.10:41000"'
gone=$(hstat r addr_gone)
ipb r <<-EOF
	addr del 192.168.1.1/24 dev LAN
	addr add 192.168.1.1/24 dev LAN
	EOF
check "the LAN address going ends it (addr_gone)" slowwait 5 gone_above "$gone"
check_fails "reflected connection gone" \
	eval 'hp r conn list | grep -q "192.168.1.10:41000"'
check_eq "hairpin works again" 192.168.1.1 \
	"$(saw lan udp 1.1.1.2 53 -b 192.168.1.10:41000)"
exit $ksft_pass
