#!/usr/bin/env python3
"""Test listeners and clients for probe-bind, loopback only.

listen.py dual                 [::]:0 with IPV6_V6ONLY 0 (a default server)
listen.py v6only               [::]:0 with IPV6_V6ONLY 1 (nginx's [::]:80)
listen.py v4 [ADDR]            ADDR:0 (default 127.0.0.1)
listen.py nginx                0.0.0.0:P and a v6-only [::]:P, one port
                               (nginx's default site: listen 80; listen [::]:80)
listen.py fork N [ADDR]        ADDR:0, then N children share the listener
listen.py client HOST PORT     connects from an ephemeral port and stays

Each prints one line once ready, flushed: "listening on ADDR:PORT" (fork:
followed by "children PID..."), or for client "listening on LADDR:LPORT
connected to HOST:PORT" so start_listener reads the client's own port.
It then waits for SIGTERM; children die with their parent.
"""
import ctypes
import os
import signal
import socket
import sys
import time


def die_with_parent():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def fmt(addr):
    host, port = addr[0], addr[1]
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def wait_forever(children=()):
    def stop(_sig, _frm):
        for c in children:
            try:
                os.kill(c, signal.SIGTERM)
            except OSError:
                pass
        os._exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    while True:
        signal.pause()


def listener(family, addr, v6only=None):
    s = socket.socket(family, socket.SOCK_STREAM)
    if v6only is not None:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, v6only)
    s.bind((addr, 0))
    s.listen(16)
    return s


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode in ("dual", "v6only"):
        s = listener(socket.AF_INET6, "::", 1 if mode == "v6only" else 0)
        print("listening on %s" % fmt(s.getsockname()), flush=True)
        wait_forever()
    elif mode == "v4":
        addr = sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1"
        s = listener(socket.AF_INET, addr)
        print("listening on %s" % fmt(s.getsockname()), flush=True)
        wait_forever()
    elif mode == "nginx":
        a = listener(socket.AF_INET, "0.0.0.0")
        port = a.getsockname()[1]
        b = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        b.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        b.bind(("::", port))
        b.listen(16)
        print("listening on %s" % fmt(a.getsockname()), flush=True)
        wait_forever()
    elif mode == "fork":
        n = int(sys.argv[2])
        addr = sys.argv[3] if len(sys.argv) > 3 else "127.0.0.1"
        s = listener(socket.AF_INET, addr)
        kids = []
        r, w = os.pipe()
        for _ in range(n):
            pid = os.fork()
            if pid == 0:
                os.close(r)
                die_with_parent()
                os.close(w)  # ready: the socket is inherited
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                while True:
                    signal.pause()
            kids.append(pid)
        os.close(w)
        os.read(r, 1)  # EOF once every child is set up
        os.close(r)
        print("listening on %s children %s" % (fmt(s.getsockname()),
              " ".join(str(k) for k in kids)), flush=True)
        wait_forever(kids)
    elif mode == "client":
        host, port = sys.argv[2], int(sys.argv[3])
        c = socket.create_connection((host, port), timeout=5)
        print("listening on %s connected to %s" % (fmt(c.getsockname()),
              fmt(c.getpeername())), flush=True)
        wait_forever()
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)


if __name__ == "__main__":
    main()
