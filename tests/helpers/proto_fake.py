#!/usr/bin/env python3
"""A FAKE server for tests/proto.bats: the answers a real server cannot be
made to give on demand. Each mode sends the bytes the real server sends
(an SMTP greeting), then reads until the client closes.

  proto_fake.py MODE      listens on 127.0.0.1, port 0; prints
                          "listening on 127.0.0.1:PORT", serves until killed

smtp-421    an SMTP server refusing service now (421)
smtp-554    an SMTP server refusing this client (554)
garbage     a reply with a terminal escape in it, for any protocol
"""
import socket
import sys
import threading


REPLIES = {
    "smtp-421": b"421 mail.example.test Service not available, closing "
                b"transmission channel\r\n",
    "smtp-554": b"554 mail.example.test No SMTP service here\r\n",
    "garbage": b"\x1b[31mhello\x1b[0m there\r\n",
}


def serve(conn, reply):
    with conn:
        conn.settimeout(5)
        try:
            conn.sendall(reply)
            while conn.recv(4096):
                pass
        except OSError:
            pass


def main():
    reply = REPLIES[sys.argv[1]]
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(16)
    print("listening on 127.0.0.1:%d" % s.getsockname()[1], flush=True)
    while True:
        conn, _ = s.accept()
        threading.Thread(target=serve, args=(conn, reply), daemon=True).start()


if __name__ == "__main__":
    main()
