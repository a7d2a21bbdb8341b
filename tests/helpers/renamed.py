#!/usr/bin/env python3
"""A listener under a hostile process name, for tests/inspect-escape.bats.

renamed.py ADDR
    renames itself (prctl PR_SET_NAME) to ESC ] 0 ; x BEL ESC [ 2 J, then
    U+202E (right-to-left override) and a backslash, and listens on ADDR:
    127.0.0.1 (port 0), or a Unix path (anything with a /), or an abstract
    name (@NAME). A NAME or path may hold "\\n" (written as two
    characters), made a newline here. Prints "listening on ...", waits for
    SIGTERM.
"""
import ctypes
import signal
import socket
import sys

NAME = b"\x1b]0;x\x07\x1b[2J\xe2\x80\xae\\"
ctypes.CDLL(None).prctl(15, NAME, 0, 0, 0)
addr = sys.argv[1].replace("\\n", "\n")
if addr == "127.0.0.1":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((addr, 0))
    shown = "127.0.0.1:%d" % s.getsockname()[1]
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind("\0" + addr[1:] if addr.startswith("@") else addr)
    shown = "unix"
s.listen(8)
print("listening on " + shown, flush=True)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
signal.pause()
