#!/usr/bin/env python3
"""Sockets in trouble for inspect.bats, on loopback (or in a namespace).

inspect_peer.py leak [ADDR [BACKLOG]]
                                     listens on ADDR:0 (default 127.0.0.1;
                                     backlog 128), accepts and never
                                     closes: a client that closes leaves
                                     CLOSE_WAIT behind
inspect_peer.py leakrp PORT           as leak on 127.0.0.1:PORT (0: any) with
                                     SO_REUSEPORT, so a second one may share
                                     the port
inspect_peer.py nonaccept [ADDR [BACKLOG]]
                                     listen(BACKLOG, default 1) on ADDR:0,
                                     never accepts
inspect_peer.py noread [ADDR]        listens with a 4 KiB SO_RCVBUF, accepts,
                                     never reads
inspect_peer.py clients HOST PORT N [close]
                                     N connections that stay open, or that
                                     close at once ("close"; non-blocking
                                     connects: a full queue does not block)
inspect_peer.py sender HOST PORT [block|loop]
                                     one connection, written until EAGAIN;
                                     then it pauses, or blocks in send(),
                                     or waits in select() to write more
inspect_peer.py fds N                opens N descriptors and holds them
inspect_peer.py synflood HOST PORT   a new non-blocking connection every
                                     50 ms (at most 800) held open; "ready"
                                     after the first 20; SIGUSR1 stops
                                     opening new ones

HOST (or ADDR) may be a Unix socket path (anything with a /; PORT is then
ignored): the same, on AF_UNIX.

Each prints one line once ready, flushed ("listening on ADDR:PORT", or
"ready ..."). SIGUSR1 takes the trouble away: leak closes what it
accepted, noread reads everything, fds closes its descriptors, clients
closes its connections; then it prints "fixed" and waits. SIGTERM ends it.
"""
import errno
import os
import select
import signal
import socket
import sys

fixed = False


def on_usr1(_sig, _frm):
    global fixed
    fixed = True


def say(line):
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def fmt(addr):
    host, port = addr[0], addr[1]
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (host, port)


def family(addr):
    if "/" in addr:
        return socket.AF_UNIX
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def listener(addr, backlog, rcvbuf=0):
    fam = family(addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind(addr if fam == socket.AF_UNIX else (addr, 0))
    s.listen(backlog)
    say("listening on " + (addr if fam == socket.AF_UNIX else
                           fmt(s.getsockname())))
    return s


def listener_rp(port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    s.bind(("127.0.0.1", port))
    s.listen(128)
    say("listening on " + fmt(s.getsockname()))
    return s


def dest(host, port):
    """A connect() address: a Unix path (PORT ignored) or (host, port)."""
    return host if "/" in host else (host, port)


def wait_fixed(fix):
    """Sleeps in bounded steps until SIGUSR1, runs fix once, then waits."""
    while not fixed:
        signal.pause()
    fix()
    say("fixed")
    while True:
        signal.pause()


def serve(s, read):
    """Accepts forever; read: drain what arrives once fixed."""
    kept = []
    s.setblocking(False)
    while True:
        r, _, _ = select.select([s] + (kept if fixed and read else []),
                                [], [], 0.2)
        for x in r:
            if x is s:
                try:
                    c, _ = s.accept()
                    kept.append(c)
                except OSError:
                    pass
            else:
                try:
                    if not x.recv(65536):
                        kept.remove(x)
                        x.close()
                except OSError:
                    pass
        if fixed and not read:
            for c in kept:
                c.close()
            kept = []
            say("fixed")
            s.close()
            while True:
                signal.pause()
        if fixed and read and not getattr(serve, "said", False):
            serve.said = True
            say("fixed")


def main():
    signal.signal(signal.SIGUSR1, on_usr1)
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    mode = sys.argv[1]
    if mode == "leak":
        serve(listener(sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1",
                       int(sys.argv[3]) if len(sys.argv) > 3 else 128),
              read=False)
    elif mode == "leakrp":
        serve(listener_rp(int(sys.argv[2])), read=False)
    elif mode == "noread":
        serve(listener(sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1",
                       16, rcvbuf=4096), read=True)
    elif mode == "nonaccept":
        s = listener(sys.argv[2] if len(sys.argv) > 2 else "127.0.0.1",
                     int(sys.argv[3]) if len(sys.argv) > 3 else 1)

        while not fixed:
            signal.pause()
        # accepted and kept open (closing them would leave the clients in
        # CLOSE_WAIT, another finding); SYNs the full queue dropped come
        # again later, and are accepted as they come
        kept = []
        s.setblocking(False)
        for _ in range(64):
            try:
                kept.append(s.accept()[0])
            except OSError:
                break
        s.setblocking(True)
        say("fixed")
        while True:
            select.select([s], [], [])
            kept.append(s.accept()[0])
    elif mode == "clients":
        host, port, n = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
        close = len(sys.argv) > 5 and sys.argv[5] == "close"
        fam = family(host)
        conns = []
        for _ in range(n):
            c = socket.socket(fam, socket.SOCK_STREAM)
            c.setblocking(False)
            err = c.connect_ex(dest(host, port))
            if err not in (0, errno.EINPROGRESS, errno.EAGAIN):
                say("connect failed: %s" % os.strerror(err))
                sys.exit(1)
            conns.append(c)
        if close:
            # wait (bounded) until each is established, then close it first
            for c in conns:
                select.select([], [c], [], 2)
                c.close()
            conns = []
        say("ready %d" % n)
        wait_fixed(lambda: [c.close() for c in conns])
    elif mode == "sender":
        host, port = sys.argv[2], int(sys.argv[3])
        how = sys.argv[4] if len(sys.argv) > 4 else "pause"
        c = socket.socket(family(host), socket.SOCK_STREAM)
        c.connect(dest(host, port))
        c.setblocking(False)
        sent = 0
        for _ in range(100000):
            try:
                sent += c.send(b"x" * 65536)
            except BlockingIOError:
                break
        say("ready %d" % sent)
        if how == "block":
            # a blocking send() that waits for room
            c.setblocking(True)
            c.sendall(b"y" * 65536)
        elif how == "loop":
            # an event loop that waits until it may write again
            while True:
                select.select([], [c], [])
                try:
                    c.send(b"z" * 65536)
                except BlockingIOError:
                    pass
        while True:
            signal.pause()
    elif mode == "synflood":
        host, port = sys.argv[2], int(sys.argv[3])
        conns = []
        while not fixed and len(conns) < 800:
            c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            c.setblocking(False)
            c.connect_ex((host, port))
            conns.append(c)
            if len(conns) == 20:
                say("ready")
            select.select([], [], [], 0.05)
        while not fixed:
            signal.pause()
        say("fixed")
        while True:
            signal.pause()
    elif mode == "fds":
        n = int(sys.argv[2])
        fds = [os.open("/dev/null", os.O_RDONLY) for _ in range(n)]
        say("ready %d" % os.getpid())

        def close_all():
            for fd in fds:
                os.close(fd)
        wait_fixed(close_all)
    else:
        sys.exit("unknown mode " + mode)


main()
