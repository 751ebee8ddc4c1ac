#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""TCP helpers for blind_rst_fin.sh: a client that holds one connection and
acts on demand, a sniffer that reads a connection's sequence numbers off
the wire, and a sender of one forged segment.  Run inside a namespace.

  nfhp_tcp.py client ADDR PORT BINDPORT DIR
      Connects from BINDPORT, checks one echoed line, then reads commands
      from the FIFO DIR/cmd, one a line, and appends a result line to
      DIR/out: `up' once connected; `ping' sends a line and waits 3 s for
      its echo (`ok ping' or `fail ping'); `rst' closes with SO_LINGER 0
      (an RST at SND.NXT, the real peer's in-window reset) and exits.
  nfhp_tcp.py seq IFNAME SPORT DPORT SECS
      Prints `ready' once listening, then `SEQEND ACK' of the first TCP
      segment from SPORT to DPORT seen on IFNAME (SEQEND = seq + payload),
      or exits 1 after SECS.
  nfhp_tcp.py send SRC SPORT DST DPORT FLAGS SEQ [ACK]
      Sends one TCP segment with FLAGS (letters of SFRPAU) and these
      numbers from SRC, whoever owns it (a raw socket, IP_HDRINCL).
  nfhp_tcp.py synflood SRC N DST DPORT
      Sends N SYNs to DST:DPORT from SRC, ports 1024 up (the next address
      every 60000), random sequence numbers: a spoofed SYN flood.
"""
import os
import select
import socket
import struct
import sys
import time


def client(addr, port, bport, d):
    out = open(os.path.join(d, "out"), "a", buffering=1)
    s = socket.create_connection((addr, port), timeout=3,
                                 source_address=("", bport))
    s.sendall(b"hello\n")
    if s.recv(64) != b"hello\n":
        out.write("fail hello\n")
        return 1
    out.write("up\n")
    while True:
        with open(os.path.join(d, "cmd")) as f:
            for cmd in f:
                cmd = cmd.strip()
                if cmd == "ping":
                    try:
                        s.sendall(b"ping\n")
                        r = s.recv(64)
                        out.write("ok ping\n" if r == b"ping\n"
                                  else "fail ping %r\n" % r)
                    except OSError as e:
                        out.write("fail ping %s\n" % e)
                elif cmd == "rst":
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
                    s.close()
                    out.write("rst sent\n")
                    return 0


def seq(ifname, sport, dport, secs):
    # ETH_P_ALL: a socket for one protocol does not see outgoing packets.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(3))
    s.bind((ifname, 3))
    print("ready", flush=True)
    end = time.monotonic() + secs
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], max(0, end - time.monotonic()))
        if not r:
            break
        pkt = s.recv(65535)
        if len(pkt) < 40 or pkt[0] >> 4 != 4 or \
           pkt[9] != socket.IPPROTO_TCP:
            continue
        ihl = (pkt[0] & 15) * 4
        tot = struct.unpack("!H", pkt[2:4])[0]
        sp, dp, sq, ak, off = struct.unpack("!HHIIB", pkt[ihl:ihl + 13])
        if sp != sport or dp != dport:
            continue
        plen = tot - ihl - (off >> 4) * 4
        print(((sq + plen) & 0xffffffff), ak)
        return 0
    return 1


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def segment(src, sport, dst, dport, flags, sq, ak=0):
    bits = sum(1 << "FSRPAU".index(c) for c in flags)
    saddr, daddr = socket.inet_aton(src), socket.inet_aton(dst)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, sq & 0xffffffff,
                      ak & 0xffffffff, 5 << 4, bits, 502, 0, 0)
    c = csum(saddr + daddr + struct.pack("!BBH", 0, 6, len(tcp)) + tcp)
    tcp = tcp[:16] + struct.pack("!H", c) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0, 64, 6,
                     0, saddr, daddr)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ip + tcp


def send(src, sport, dst, dport, flags, sq, ak=0):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.sendto(segment(src, sport, dst, dport, flags, sq, ak), (dst, 0))
    return 0


def synflood(src, n, dst, dport):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    base = struct.unpack("!I", socket.inet_aton(src))[0]
    for i in range(n):
        a = socket.inet_ntoa(struct.pack("!I", base + i // 60000))
        s.sendto(segment(a, 1024 + i % 60000, dst, dport, "S",
                         int.from_bytes(os.urandom(4), "big")), (dst, 0))
    return 0


def main(a):
    if a[0] == "client":
        return client(a[1], int(a[2]), int(a[3]), a[4])
    if a[0] == "seq":
        return seq(a[1], int(a[2]), int(a[3]), float(a[4]))
    if a[0] == "send":
        return send(a[1], int(a[2]), a[3], int(a[4]), a[5], int(a[6]),
                    int(a[7]) if len(a) > 7 else 0)
    if a[0] == "synflood":
        return synflood(a[1], int(a[2]), a[3], int(a[4]))
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
