#!/usr/bin/env python3
"""Checks the echo server with several clients at once (python3, stdlib only).

    check_clients.py PORT [CLIENTS]

Opens CLIENTS (default 8) connections to ws://127.0.0.1:PORT, completes every
handshake, then interleaves their frames byte ranges on the wire (half a frame from
one client, a whole frame from the next, ...) so the server must keep each
connection's state apart. Every client checks its echoes (text, binary up to 1 MiB,
fragmented, with a ping in between), then runs the closing handshake. Exits 0 when
all checks pass; every socket operation has a timeout.
"""
import base64
import hashlib
import os
import socket
import struct
import sys

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
TIMEOUT = 20


def frame(opcode, payload, fin=True):
    key = os.urandom(4)
    head = bytes([(0x80 if fin else 0) | opcode])
    n = len(payload)
    if n < 126:
        head += bytes([0x80 | n])
    elif n < 65536:
        head += bytes([0x80 | 126]) + struct.pack("!H", n)
    else:
        head += bytes([0x80 | 127]) + struct.pack("!Q", n)
    masked = bytes(b ^ key[i % 4] for i, b in enumerate(payload)) if n < 4096 else mask_fast(payload, key)
    return head + key + masked


def mask_fast(payload, key):
    k = int.from_bytes(key * ((len(payload) + 3) // 4), "big") >> (8 * ((-len(payload)) % 4))
    return (int.from_bytes(payload, "big") ^ k).to_bytes(len(payload), "big")


class Client:
    def __init__(self, port, index):
        self.index = index
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        self.buf = b""
        self.key = base64.b64encode(os.urandom(16))

    def send_request(self):
        self.sock.sendall(b"GET /c%d HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                          b"Connection: Upgrade\r\nSec-WebSocket-Key: %s\r\n"
                          b"Sec-WebSocket-Version: 13\r\n\r\n" % (self.index, self.key))

    def read_response(self):
        while b"\r\n\r\n" not in self.buf:
            self.fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        accept = base64.b64encode(hashlib.sha1(self.key + GUID).digest())
        assert head.startswith(b"HTTP/1.1 101 "), head
        assert b"Sec-WebSocket-Accept: " + accept in head, head

    def fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise EOFError("client %d: connection closed early" % self.index)
        self.buf += data

    def need(self, n):
        while len(self.buf) < n:
            self.fill()

    def read_frame(self):
        self.need(2)
        b0, b1 = self.buf[0], self.buf[1]
        assert b1 & 0x80 == 0, "server frames are not masked"
        n, at = b1 & 0x7F, 2
        if n == 126:
            self.need(4)
            n, at = struct.unpack("!H", self.buf[2:4])[0], 4
        elif n == 127:
            self.need(10)
            n, at = struct.unpack("!Q", self.buf[2:10])[0], 10
        self.need(at + n)
        payload, self.buf = self.buf[at:at + n], self.buf[at + n:]
        return b0 & 0x80 != 0, b0 & 0x0F, payload

    def read_message(self):
        """Returns (opcode, payload) of the next message or control frame."""
        fin, opcode, payload = self.read_frame()
        if opcode >= 8:
            return opcode, payload
        while not fin:
            fin, cont, more = self.read_frame()
            assert cont == 0, "expected a continuation, got opcode %d" % cont
            payload += more
        return opcode, payload


def main():
    port = int(sys.argv[1])
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    clients = [Client(port, i) for i in range(count)]
    for c in clients:
        c.send_request()
    for c in reversed(clients):
        c.read_response()

    # Each client's script of frames and the echoes it expects.
    plans = []
    for c in clients:
        text = ("client %d: héllo ✓ " % c.index).encode() * (c.index + 1)
        blob = os.urandom(1000 * (c.index + 1) + (1 << 20 if c.index == 0 else 0))
        frames = [frame(0x1, text), frame(0x2, blob),
                  frame(0x1, text[:7], fin=False), frame(0x9, b"ping %d" % c.index),
                  frame(0x0, text[7:], fin=True)]
        expected = [(0x1, text), (0x2, blob), (0xA, b"ping %d" % c.index), (0x1, text)]
        plans.append((c, b"".join(frames), expected))

    # Interleave: each round writes the next slice of every client's bytes, in slices
    # that end inside frames.
    offsets = [0] * count
    slice_len = 3001
    while any(off < len(wire) for off, (_, wire, _) in zip(offsets, plans)):
        for i, (c, wire, _) in enumerate(plans):
            if offsets[i] < len(wire):
                c.sock.sendall(wire[offsets[i]:offsets[i] + slice_len])
                offsets[i] += slice_len
        slice_len = 3001 if slice_len != 3001 else 17

    for c, _, expected in plans:
        for want in expected:
            got = c.read_message()
            assert got == want, "client %d: got %r..., want %r..." % (c.index, got[:1], want[:1])

    # Closing handshake: the server echoes the code, then closes the TCP connection.
    for c in clients:
        c.sock.sendall(frame(0x8, struct.pack("!H", 1000) + b"bye"))
    for c in clients:
        opcode, payload = c.read_message()
        assert opcode == 0x8 and payload[:2] == struct.pack("!H", 1000), (opcode, payload)
        try:
            assert c.sock.recv(16) == b"", "server did not close after the closing handshake"
        except ConnectionResetError:
            pass
        c.sock.close()
    print("%d clients: handshakes, interleaved echoes, pings and closes ok" % count)


if __name__ == "__main__":
    main()
