#!/usr/bin/env python3
"""A FAKE server for tests/proto.bats: the answers a real server cannot be
made to give on demand on loopback. Each mode sends the bytes the real
server sends (MariaDB's error packets, an SMTP greeting), then reads until
the client closes.

  proto_fake.py MODE      listens on 127.0.0.1, port 0; prints
                          "listening on 127.0.0.1:PORT", serves until killed

mysql-1129  MariaDB's "Host ... is blocked because of many connection
            errors" (MariaDB never blocks 127.0.0.1: its host cache skips
            loopback, so a real one cannot be made to on loopback)
smtp-421    an SMTP server refusing service now (421)
smtp-554    an SMTP server refusing this client (554)
garbage     a reply with a terminal escape in it, for any protocol
"""
import socket
import sys
import threading


def mysql_err(code, msg):
    # 0xff, the code (little-endian), the message: before the handshake
    # MariaDB sends no SQLSTATE marker
    payload = b"\xff" + code.to_bytes(2, "little") + msg.encode()
    return len(payload).to_bytes(3, "little") + b"\x00" + payload


REPLIES = {
    "mysql-1129": mysql_err(
        1129, "Host '192.0.2.7' is blocked because of many connection "
        "errors; unblock with 'mariadb-admin flush-hosts'"),
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
