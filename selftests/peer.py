#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Test peer for the nf_hairpin selftests.

  peer.py server tcp|udp ADDR PORT
      Answer every request with the address:port it came from, as this
      host sees it.  TCP requests: one line, "ECHO" (answer and close) or
      "SINK N" (read N bytes, then answer "addr:port N").  UDP: each
      datagram is answered with "addr:port LEN".

  peer.py client tcp|udp ADDR PORT [-t SECS] [-b ADDR:PORT] [-s BYTES]
      Connect (UDP: a connected socket, so that an answer from any other
      address is dropped, as a real client would) and print the answer;
      exit 1 on timeout or refusal.  -s sends BYTES of payload (TCP: through
      SINK; UDP: one datagram of that size).
"""
import socket
import sys
import threading


def tcp_serve_one(conn, peer):
    try:
        conn.settimeout(30)
        buf = b""
        while b"\n" not in buf:
            data = conn.recv(4096)
            if not data:
                return
            buf += data
        line, rest = buf.split(b"\n", 1)
        who = "%s:%d" % peer[:2]
        words = line.split()
        if words and words[0] == b"SINK":
            want = int(words[1])
            got = len(rest)
            while got < want:
                data = conn.recv(65536)
                if not data:
                    break
                got += len(data)
            conn.sendall(("%s %d\n" % (who, got)).encode())
        else:
            conn.sendall((who + "\n").encode())
    except OSError:
        pass
    finally:
        conn.close()


def server(proto, addr, port):
    if proto == "tcp":
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((addr, port))
        s.listen(128)
        while True:
            conn, peer = s.accept()
            threading.Thread(target=tcp_serve_one, args=(conn, peer),
                             daemon=True).start()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((addr, port))
    while True:
        data, peer = s.recvfrom(65535)
        s.sendto(("%s:%d %d\n" % (peer[0], peer[1], len(data))).encode(),
                 peer)


def client(proto, addr, port, timeout, bind, size):
    kind = socket.SOCK_STREAM if proto == "tcp" else socket.SOCK_DGRAM
    s = socket.socket(socket.AF_INET, kind)
    s.settimeout(timeout)
    if bind:
        a, p = bind.rsplit(":", 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a, int(p)))
    try:
        s.connect((addr, port))
        if proto == "tcp":
            if size:
                s.sendall(b"SINK %d\n" % size)
                chunk = b"x" * 65536
                left = size
                while left > 0:
                    n = min(left, len(chunk))
                    s.sendall(chunk[:n])
                    left -= n
            else:
                s.sendall(b"ECHO\n")
            buf = b""
            while True:
                data = s.recv(4096)
                if not data:
                    break
                buf += data
        else:
            s.send(b"x" * (size or 4))
            buf = s.recv(65535)
    except OSError as e:
        print("peer: %s %s:%d: %s" % (proto, addr, port, e), file=sys.stderr)
        return 1
    out = buf.decode().strip()
    if not out:
        print("peer: %s %s:%d: empty answer" % (proto, addr, port),
              file=sys.stderr)
        return 1
    print(out)
    return 0


def main(argv):
    if len(argv) < 5 or argv[1] not in ("server", "client") or \
       argv[2] not in ("tcp", "udp"):
        print(__doc__, file=sys.stderr)
        return 2
    mode, proto, addr, port = argv[1], argv[2], argv[3], int(argv[4])
    if mode == "server":
        server(proto, addr, port)
        return 0
    timeout, bind, size = 3.0, None, 0
    rest = argv[5:]
    while rest:
        opt, val = rest[0], rest[1]
        rest = rest[2:]
        if opt == "-t":
            timeout = float(val)
        elif opt == "-b":
            bind = val
        elif opt == "-s":
            size = int(val)
    return client(proto, addr, port, timeout, bind, size)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
