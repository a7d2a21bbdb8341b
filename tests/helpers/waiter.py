"""Threads that wait, for tests/inspect-waits.bats (at most 60 s each).

waiter.py recv [RCVTIMEO [poll|recv [queued]]]
                            a client thread blocked in recv() (or in poll()
                            on that socket alone, no timeout) on a loopback
                            connection whose server accepts and never
                            sends; prints "ready PID TID FD PORT".
                            SIGUSR1: the server answers, the client's
                            recv() returns and it stops ("answered").
                            queued: a second connection waits in the
                            listener's queue, never accepted
waiter.py accept            two threads in accept() on one listener, one in
                            epoll_wait() on three sockets; "ready PID PORT"
waiter.py connect ADDR PORT a thread blocked in connect(); "ready PID TID FD"
waiter.py udp RCVBUF        a UDP socket on 127.0.0.1 that never reads;
                            "ready PID PORT"; SIGUSR1: it takes a 1 MiB
                            buffer and reads from then on, "fixed"
waiter.py unixdgram PATH RCVBUF
                            a Unix datagram socket bound to PATH that never
                            reads, and a thread that floods it with
                            blocking sendto()s until the kernel holds it;
                            "ready PID TID" (the sender's)
waiter.py flood PORT N      sends N datagrams of 1000 bytes to 127.0.0.1
                            PORT, 1 ms apart
"""
import os
import select
import signal
import socket
import sys
import threading
import time

END = time.time() + 60


def idle():
    while time.time() < END:
        time.sleep(0.5)


def recv_mode(rcvtimeo, how, queued):
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    port = ls.getsockname()[1]
    held, srv = [], []
    accepted = threading.Event()

    def server():
        c, _ = ls.accept()
        srv.append(c)  # never answers (until SIGUSR1)
        accepted.set()

    def answer(signum, frame):
        if srv:
            srv[0].send(b"answer")

    signal.signal(signal.SIGUSR1, answer)
    threading.Thread(target=server, daemon=True).start()

    def client():
        c = socket.create_connection(("127.0.0.1", port))
        if rcvtimeo > 0:
            # the kernel's own timeout; Python's settimeout() would poll
            import struct
            c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO,
                         struct.pack("ll", rcvtimeo, 0))
        held.append(c)  # open after its wait ends
        if queued:
            # after the server took c: this one is never accepted
            accepted.wait(20)
            held.append(socket.create_connection(("127.0.0.1", port)))
        print("ready %d %d %d %d" % (os.getpid(), threading.get_native_id(),
                                     c.fileno(), port), flush=True)
        if how == "poll":
            p = select.poll()
            p.register(c.fileno(), select.POLLIN)
            p.poll()
            return
        while time.time() < END:
            try:
                if c.recv(100):
                    print("answered", flush=True)
                break
            except OSError:
                pass

    threading.Thread(target=client, daemon=True).start()
    idle()


def accept_mode():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(4)
    port = ls.getsockname()[1]

    def acceptor():
        while time.time() < END:
            c, _ = ls.accept()
            c.close()

    a, b = socket.socketpair()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    ep = select.epoll()
    for s in (a, b, u):
        ep.register(s.fileno(), select.EPOLLIN)

    def loop():
        while time.time() < END:
            ep.poll(-1)

    for f in (acceptor, acceptor, loop):
        threading.Thread(target=f, daemon=True).start()
    print("ready %d %d" % (os.getpid(), port), flush=True)
    idle()


def connect_mode(addr, port):
    def client():
        c = socket.socket()
        print("ready %d %d %d" % (os.getpid(), threading.get_native_id(),
                                  c.fileno()), flush=True)
        try:
            c.connect((addr, port))
        except OSError:
            pass

    threading.Thread(target=client, daemon=True).start()
    idle()


def udp_mode(rcvbuf):
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    u.bind(("127.0.0.1", 0))
    reading = threading.Event()

    def fix(signum, frame):
        reading.set()

    signal.signal(signal.SIGUSR1, fix)
    print("ready %d %d" % (os.getpid(), u.getsockname()[1]), flush=True)
    while time.time() < END and not reading.wait(0.2):
        pass
    # the finding's fix: a larger buffer, and read
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    print("fixed", flush=True)
    u.settimeout(0.5)
    while time.time() < END:
        try:
            u.recv(65536)
        except socket.timeout:
            pass


def unixdgram_mode(path, rcvbuf):
    u = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    u.bind(path)
    ready = threading.Event()
    tid = []

    def sender():
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        tid.append(threading.get_native_id())
        ready.set()
        while time.time() < END:
            s.sendto(b"x" * 1000, path)  # blocks once u is full

    threading.Thread(target=sender, daemon=True).start()
    ready.wait(20)
    print("ready %d %d" % (os.getpid(), tid[0]), flush=True)
    idle()


def flood(port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    print("sending", flush=True)
    for i in range(n):
        s.sendto(b"x" * 1000, ("127.0.0.1", port))
        time.sleep(0.001)


if __name__ == "__main__":
    m = sys.argv[1]
    if m == "recv":
        recv_mode(int(sys.argv[2]) if len(sys.argv) > 2 else 0,
                  sys.argv[3] if len(sys.argv) > 3 else "recv",
                  len(sys.argv) > 4 and sys.argv[4] == "queued")
    elif m == "accept":
        accept_mode()
    elif m == "connect":
        connect_mode(sys.argv[2], int(sys.argv[3]))
    elif m == "udp":
        udp_mode(int(sys.argv[2]))
    elif m == "unixdgram":
        unixdgram_mode(sys.argv[2], int(sys.argv[3]))
    elif m == "flood":
        flood(int(sys.argv[2]), int(sys.argv[3]))
