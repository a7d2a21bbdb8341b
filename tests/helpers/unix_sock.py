#!/usr/bin/env python3
"""Unix sockets for tests/unix.bats, made where the test says.

  unix_sock.py listen PATH [BACKLOG]   a stream listener that accepts
  unix_sock.py hold PATH [BACKLOG]     a stream listener that never accepts
  unix_sock.py fill PATH BACKLOG       hold, then fill its queue (connections
                                       that are never accepted)
  unix_sock.py dgram PATH              a bound datagram socket
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
    typ = socket.SOCK_DGRAM if mode == "dgram" else socket.SOCK_STREAM
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
    print("ready", flush=True)
    if mode in ("hold", "fill", "dgram"):
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
