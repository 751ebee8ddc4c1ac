#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Raw-socket peers for masquerade_protocols.sh.  Run inside a namespace.

  nfhp_proto.py echo DST ID COUNT
      Sends COUNT ICMP echo requests with identifier ID to DST (0.2 s
      apart) and exits 0 if every one got its reply (same identifier and
      sequence, from DST) within 3 s.
  nfhp_proto.py echoerr DST ID SELF
      Sends one echo request with identifier ID to DST and exits 0 if an
      ICMP destination unreachable comes back that quotes it as sent: from
      SELF, identifier ID, the quoted ICMP checksum and its own right.
  nfhp_proto.py icmperr SECS
      For SECS seconds, answers every echo request (besides the kernel's
      reply) with a destination unreachable (communication prohibited)
      quoting all of it.  Prints `ready' once listening.
  nfhp_proto.py responder PROTO SECS
      For SECS seconds, answers every packet of IP protocol PROTO with its
      payload, sent back to its source.  Prints `ready' once listening.
  nfhp_proto.py ask PROTO DST SECS
      Sends one packet of IP protocol PROTO to DST and exits 0 if the same
      payload comes back from DST within SECS.
  nfhp_proto.py send PROTO DST N
      Sends N packets of IP protocol PROTO to DST (8 bytes, a UDP-Lite or
      DCCP-shaped header of zeros and ports).
"""
import os
import select
import socket
import struct
import sys
import time

from nfhp_tcp import csum


def recv_until(s, end, want):
    """Receive on raw socket @s until want(ip_packet, src) or @end."""
    while True:
        left = end - time.monotonic()
        if left <= 0:
            return False
        r, _, _ = select.select([s], [], [], left)
        if not r:
            return False
        pkt, (src, _) = s.recvfrom(65535)
        if want(pkt, src):
            return True


def echo(dst, ident, count):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    got = 0
    for seq in range(1, count + 1):
        s.sendto(echo_request(ident, seq, b"nfhp-echo-%d" % seq), (dst, 0))

        def reply(pkt, src, seq=seq):
            ihl = (pkt[0] & 15) * 4
            if src != dst or len(pkt) < ihl + 8:
                return False
            t, _, _, i, sq = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
            return t == 0 and i == ident and sq == seq
        if recv_until(s, time.monotonic() + 3, reply):
            got += 1
        time.sleep(0.2)
    print("%d/%d replies for id %d" % (got, count, ident))
    return 0 if got == count else 1


def echo_request(ident, seq, body):
    hdr = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    c = csum(hdr + body)
    return hdr[:2] + struct.pack("!H", c) + hdr[4:] + body


def echoerr(dst, ident, me):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    s.sendto(echo_request(ident, 1, b"nfhp-echoerr"), (dst, 0))

    def quoted(pkt, src):
        ihl = (pkt[0] & 15) * 4
        icmp = pkt[ihl:]
        if len(icmp) < 8 + 20 + 8 or icmp[0] != 3 or csum(icmp):
            return False
        inner = icmp[8:]
        iihl = (inner[0] & 15) * 4
        q = inner[iihl:]
        isrc, idst = socket.inet_ntoa(inner[12:16]), socket.inet_ntoa(inner[16:20])
        t, _, _, i = struct.unpack("!BBHH", q[:6])
        print("error from %s quoting %s -> %s type %d id %d, quoted "
              "checksum %s" % (src, isrc, idst, t, i,
                               "wrong" if csum(q) else "right"))
        return isrc == me and idst == dst and t == 8 and i == ident and \
            not csum(q)
    return 0 if recv_until(s, time.monotonic() + 3, quoted) else 1


def icmperr(secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
    print("ready", flush=True)

    def answer(pkt, src):
        ihl = (pkt[0] & 15) * 4
        if pkt[ihl] == 8:
            hdr = struct.pack("!BBHI", 3, 13, 0, 0)
            c = csum(hdr + pkt)
            s.sendto(hdr[:2] + struct.pack("!H", c) + hdr[4:] + pkt,
                     (src, 0))
        return False
    recv_until(s, time.monotonic() + secs, answer)
    return 0


def responder(proto, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    print("ready", flush=True)
    end = time.monotonic() + secs

    def answer(pkt, src):
        ihl = (pkt[0] & 15) * 4
        s.sendto(pkt[ihl:], (src, 0))
        return False
    recv_until(s, end, answer)
    return 0


def ask(proto, dst, secs):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    body = b"nfhp-proto-" + os.urandom(8).hex().encode()
    s.sendto(body, (dst, 0))

    def back(pkt, src):
        return src == dst and pkt[(pkt[0] & 15) * 4:] == body
    ok = recv_until(s, time.monotonic() + secs, back)
    print("proto %d: %s" % (proto, "answered" if ok else "no answer"))
    return 0 if ok else 1


def send(proto, dst, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, proto)
    for i in range(n):
        s.sendto(struct.pack("!HHI", 40000 + i, 5000, 0), (dst, 0))
    return 0


def main(a):
    if not a:
        a = [""]
    if a[0] == "echo":
        return echo(a[1], int(a[2]), int(a[3]))
    if a[0] == "echoerr":
        return echoerr(a[1], int(a[2]), a[3])
    if a[0] == "icmperr":
        return icmperr(float(a[1]))
    if a[0] == "responder":
        return responder(int(a[1]), float(a[2]))
    if a[0] == "ask":
        return ask(int(a[1]), a[2], float(a[3]))
    if a[0] == "send":
        return send(int(a[1]), a[2], int(a[3]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
