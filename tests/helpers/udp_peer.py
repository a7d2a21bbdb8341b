#!/usr/bin/env python3
"""A UDP peer that answers badly, for probe-udp's tests.

udp_peer.py MODE: binds 127.0.0.1 on a free port, prints
"listening on 127.0.0.1:PORT", then answers by MODE:
  burst  the first datagram from each sender gets three different, larger
         datagrams back; later ones get nothing
  dup    every datagram is echoed twice
  late   every datagram is echoed after DELAY seconds (argv[2])
  other  every datagram gets a reply that is no echo (a DNS-like answer)
It exits after 30 s, or at SIGTERM.
"""
import socket
import sys
import time

mode = sys.argv[1]
delay = float(sys.argv[2]) if len(sys.argv) > 2 else 0.0
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
s.settimeout(0.2)
end = time.monotonic() + 30
seen = set()
pending = []
while time.monotonic() < end:
    try:
        data, peer = s.recvfrom(65536)
    except socket.timeout:
        data = None
    now = time.monotonic()
    for when, d, p in [x for x in pending if x[0] <= now]:
        s.sendto(d, p)
    pending = [x for x in pending if x[0] > now]
    if data is None:
        continue
    if mode == "burst":
        if peer not in seen:
            for n in (100, 200, 300):
                s.sendto(b"x" * (len(data) + n), peer)
        seen.add(peer)
    elif mode == "dup":
        s.sendto(data, peer)
        s.sendto(data, peer)
    elif mode == "late":
        pending.append((now + delay, data, peer))
    elif mode == "other":
        s.sendto(b"\x12\x34\x81\x80answer", peer)
