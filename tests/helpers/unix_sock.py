#!/usr/bin/env python3
"""Unix sockets for tests/unix.bats, made where the test says.

  unix_sock.py listen PATH [BACKLOG]   a stream listener that accepts
  unix_sock.py hold PATH [BACKLOG]     a stream listener that never accepts
  unix_sock.py fill PATH BACKLOG       hold, then fill its queue (connections
                                       that are never accepted)
  unix_sock.py dgram PATH              a bound datagram socket (never reads)
  unix_sock.py sink PATH               a bound datagram socket that reads and
                                       never replies
  unix_sock.py dgramfull PATH          a bound datagram socket whose queue is
                                       filled (sends until EAGAIN), never read
  unix_sock.py connected PATH          a bound datagram socket connected to
                                       another one (it takes nobody else's)
  unix_sock.py stale PATH              bind, then exit: a stale file

PATH may be @NAME (abstract). Prints "ready" when set up, then waits for
SIGTERM (stale exits at once). Accepted connections are echoed.
"""
import os
import signal
import socket
import sys


def addr(p):
    return "\0" + p[1:] if p.startswith("@") else p


def main():
    mode, path = sys.argv[1], sys.argv[2]
    backlog = int(sys.argv[3]) if len(sys.argv) > 3 else 16
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    dgram = ("dgram", "sink", "dgramfull", "connected")
    typ = socket.SOCK_DGRAM if mode in dgram else socket.SOCK_STREAM
    s = socket.socket(socket.AF_UNIX, typ)
    s.bind(addr(path))
    if mode == "stale":
        print("ready", flush=True)
        os._exit(0)         # no close, no unlink: the file stays
    if typ == socket.SOCK_STREAM:
        s.listen(backlog)
    keep = []
    if mode == "fill":
        for _ in range(backlog + 8):
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            c.setblocking(False)
            try:
                c.connect(addr(path))
            except (BlockingIOError, InterruptedError):
                break
            keep.append(c)
    if mode == "dgramfull":
        f = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        f.setblocking(False)
        for _ in range(100000):
            try:
                f.sendto(b"x", addr(path))
            except BlockingIOError:
                break
        keep.append(f)
    if mode == "connected":
        other = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        other.bind("")          # autobind
        s.connect(other.getsockname())
        keep.append(other)
    print("ready", flush=True)
    if mode == "sink":
        while True:
            s.recv(65536)
    if mode in ("hold", "fill", "dgram", "dgramfull", "connected"):
        while True:
            signal.pause()
    while True:
        c, _ = s.accept()
        data = c.recv(65536)
        while data:
            c.sendall(data)
            data = c.recv(65536)
        c.close()


if __name__ == "__main__":
    main()
