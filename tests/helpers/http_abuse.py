#!/usr/bin/python3
"""Raw HTTP/1.1 clients for tests/exporter.bats: the polite and the hostile.

    http_abuse.py MODE HOST PORT [ARG]

Modes (each prints what it saw, one fact a line, and exits 0 when the
exchange ended as described, 1 otherwise; every wait is bounded):

  slowloris SECS   sends a request head one byte every 0.2 s for at most
                   SECS seconds; prints "closed after N s" and the status
                   line the server sent, if any
  bighead [KIB]    sends a request head of KIB KiB (default 9); prints the
                   status line
  garbage          sends bytes that are no request; prints the status line
  pipeline N       sends N GET / requests in one write; prints each
                   answer's status line, in order, then "answers N"
  halfclose        sends one request and shuts its write side; prints the
                   status line and "eof" when the server closed after it
  noread N [SECS]  sends N pipelined GET / requests (as many as go within
                   5 s), then holds the connection SECS seconds (default
                   4) reading nothing; prints "sent N"
  get PATH [HDR]   one request (HDR: "Name: value"); prints the status
                   line, the headers and the body
"""
import socket
import sys
import time


def connect(host, port):
    s = socket.create_connection((host, int(port)), timeout=10)
    return s


def read_all(s, limit=10.0):
    """Reads until EOF or limit seconds; returns the bytes."""
    s.settimeout(0.2)
    data = b""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            b = s.recv(65536)
        except socket.timeout:
            continue
        except ConnectionResetError:
            break
        if not b:
            return data, True
        data += b
    return data, False


def status_line(data):
    return data.split(b"\r\n", 1)[0].decode("latin-1")


def answers(data):
    """Splits pipelined answers by their Content-Length."""
    out = []
    while data:
        head, sep, rest = data.partition(b"\r\n\r\n")
        if not sep:
            break
        n = 0
        for line in head.split(b"\r\n")[1:]:
            k, _, v = line.partition(b":")
            if k.strip().lower() == b"content-length":
                n = int(v.strip())
        out.append((status_line(head), rest[:n]))
        data = rest[n:]
    return out


def main(argv):
    mode, host, port = argv[1], argv[2], argv[3]
    arg = argv[4] if len(argv) > 4 else None
    if mode == "noread":
        # a small receive window from the start: set before connect()
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((host, int(port)))
    else:
        s = connect(host, port)
    if mode == "slowloris":
        limit = float(arg or 10)
        req = b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 4000
        t0 = time.monotonic()
        closed = False
        for i in range(len(req)):
            if time.monotonic() - t0 > limit:
                break
            try:
                s.sendall(req[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            s.settimeout(0.2)
            try:
                b = s.recv(4096)
                if b:
                    print(status_line(b))
                closed = True
                break
            except socket.timeout:
                pass
            except ConnectionResetError:
                closed = True
                break
        if closed:
            print("closed after %.1f s" % (time.monotonic() - t0))
            return 0
        print("still open after %.1f s" % (time.monotonic() - t0))
        return 1
    if mode == "bighead":
        kib = int(arg or 9)
        head = b"GET / HTTP/1.1\r\nHost: x\r\n" + \
            b"".join(b"X-Pad-%d: %s\r\n" % (i, b"p" * 90)
                     for i in range(kib * 1024 // 100 + 1))
        try:
            s.sendall(head)
        except (BrokenPipeError, ConnectionResetError):
            pass
        data, eof = read_all(s)
        print(status_line(data))
        return 0 if eof else 1
    if mode == "garbage":
        s.sendall(b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03 junk\r\n\r\n")
        data, eof = read_all(s)
        print(status_line(data))
        return 0 if eof else 1
    if mode == "pipeline":
        n = int(arg or 3)
        s.sendall(b"".join(b"GET /%s HTTP/1.1\r\nHost: x\r\n\r\n" %
                           (b"nope%d" % i if i % 2 else b"") for i in range(n)))
        s.shutdown(socket.SHUT_WR)
        data, eof = read_all(s)
        got = answers(data)
        for st, _ in got:
            print(st)
        print("answers %d" % len(got))
        return 0 if eof and len(got) == n else 1
    if mode == "halfclose":
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        s.shutdown(socket.SHUT_WR)
        data, eof = read_all(s)
        print(status_line(data))
        if eof:
            print("eof")
        return 0 if eof else 1
    if mode == "noread":
        n = int(arg or 200)
        req = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"
        s.settimeout(0.5)
        sent = 0
        t0 = time.monotonic()
        while sent < n and time.monotonic() - t0 < 5:
            try:
                s.send(req)
                sent += 1
            except socket.timeout:
                break
            except (BrokenPipeError, ConnectionResetError):
                break
        print("sent %d" % sent, flush=True)
        time.sleep(float(argv[5]) if len(argv) > 5 else 4)
        return 0
    if mode == "get":
        path = arg or "/"
        hdr = argv[5] + "\r\n" if len(argv) > 5 else ""
        s.sendall(("GET %s HTTP/1.1\r\nHost: x\r\n%sConnection: close\r\n\r\n"
                   % (path, hdr)).encode())
        data, eof = read_all(s)
        sys.stdout.write(data.decode("utf-8", "replace"))
        return 0 if eof else 1
    print("unknown mode " + mode, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
