#!/usr/bin/env python3
"""Checks the lwIP echo server with Python `websockets` and with bad requests.

    WS_URL=ws://HOST:PORT/ check_websockets.py

- websockets' client: text (with multi-byte characters), binary, messages of
  64 KiB and 1 MiB, a ping, the closing handshake (1000, the server closes TCP);
  four clients at once;
- raw sockets: requests the library refuses get its HTTP status (426 for a wrong
  version, 400 for a missing upgrade), an unmasked frame gets the failing close 1002,
  and the server closes the connection each time.
Exits 0 when every check passes; every operation has a timeout.
"""
import base64
import os
import socket
import sys
import threading
import urllib.parse

from websockets.sync.client import connect

URL = os.environ["WS_URL"]
HOST = urllib.parse.urlsplit(URL).hostname
PORT = urllib.parse.urlsplit(URL).port
TIMEOUT = 20


def echo_session(tag):
    with connect(URL, open_timeout=TIMEOUT, close_timeout=TIMEOUT, max_size=None) as ws:
        for message in [f"hello {tag}", "caf\u00e9 \u2603 \U0001f600", b"\x00\xff\x80" * 7,
                        os.urandom(64 * 1024), "\u00e9" * (512 * 1024)]:
            ws.send(message)
            echoed = ws.recv(timeout=TIMEOUT)
            assert echoed == message, f"{tag}: echo of a {type(message).__name__} " \
                f"of {len(message)} differs"
        assert ws.ping(b"ping").wait(TIMEOUT), f"{tag}: no pong"
        ws.close(1000, "done")
        assert ws.close_code == 1000, f"{tag}: close reply {ws.close_code}"


def raw_exchange(data):
    """Sends `data`, returns everything the server sends until it closes."""
    with socket.create_connection((HOST, PORT), timeout=TIMEOUT) as s:
        s.sendall(data)
        received = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return received
            received += chunk


def request(version=b"13", upgrade=True):
    key = base64.b64encode(os.urandom(16))
    lines = [b"GET / HTTP/1.1", b"Host: " + HOST.encode(),
             b"Sec-WebSocket-Key: " + key, b"Sec-WebSocket-Version: " + version]
    if upgrade:
        lines += [b"Upgrade: websocket", b"Connection: Upgrade"]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def main():
    echo_session("one")

    errors = []

    def session(tag):
        try:
            echo_session(tag)
        except Exception as e:  # reported below
            errors.append(f"{tag}: {e!r}")

    threads = [threading.Thread(target=session, args=(f"client {i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT * 4)
    assert not errors and not any(t.is_alive() for t in threads), errors

    answer = raw_exchange(request(version=b"7"))
    assert answer.startswith(b"HTTP/1.1 426 "), answer[:40]
    assert b"Sec-WebSocket-Version: 13\r\n" in answer, answer
    answer = raw_exchange(request(upgrade=False))
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:40]
    answer = raw_exchange(request() + b"\x81\x02hi")  # unmasked client frame
    assert answer.startswith(b"HTTP/1.1 101 "), answer[:40]
    assert answer.endswith(b"\x88\x02\x03\xea"), answer[-8:]
    print("check_websockets: ok")


if __name__ == "__main__":
    main()
