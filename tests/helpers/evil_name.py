#!/usr/bin/env python3
"""Holds a TCP port on 127.0.0.1 under a process name that carries a
terminal escape and invalid UTF-8 (prctl PR_SET_NAME), for
tests/hostile.bats. Prints "listening on 127.0.0.1:PORT", then waits for
SIGTERM."""
import ctypes
import signal
import socket
import sys

PR_SET_NAME = 15
ctypes.CDLL(None).prctl(PR_SET_NAME, b"\x1b[31mevil\xff", 0, 0, 0)
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", 0))
s.listen(8)
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.pause()
