"""A small WebSocket client written for the fault suite (stdlib only).

It speaks RFC 6455 itself because the suite needs to misbehave on purpose (trickle a
request, stop mid-frame, never answer a close), which no finished client allows.
Both a blocking client (for the probe) and asyncio helpers (for the load) are here.
"""
import asyncio
import base64
import hashlib
import os
import socket
import struct

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def mask(payload, key):
    """Masks (or unmasks) `payload` with the 4-byte `key` (§5.3), via big integers."""
    n = len(payload)
    if n == 0:
        return b""
    k = int.from_bytes(key * ((n + 3) // 4), "big") >> (8 * ((-n) % 4))
    return (int.from_bytes(payload, "big") ^ k).to_bytes(n, "big")


def frame(opcode, payload=b"", fin=True, masked=True):
    """A client frame (masked unless told otherwise)."""
    n = len(payload)
    head = bytes([(0x80 if fin else 0) | opcode])
    bit = 0x80 if masked else 0
    if n < 126:
        head += bytes([bit | n])
    elif n < 65536:
        head += bytes([bit | 126]) + struct.pack("!H", n)
    else:
        head += bytes([bit | 127]) + struct.pack("!Q", n)
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + mask(payload, key)


def request(path="/", key=None, extra=b""):
    key = key or base64.b64encode(os.urandom(16))
    return (
        b"GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n%s\r\n" % (path.encode(), key, extra),
        key,
    )


def accept_value(key):
    return base64.b64encode(hashlib.sha1(key + GUID).digest())


def check_response(head, key):
    """Raises unless `head` (without the final blank line) is a 101 for `key`."""
    lines = head.split(b"\r\n")
    if not lines[0].startswith(b"HTTP/1.1 101"):
        raise ValueError(f"not a 101: {lines[0]!r}")
    headers = {l.split(b":", 1)[0].strip().lower(): l.split(b":", 1)[1].strip() for l in lines[1:] if b":" in l}
    if headers.get(b"sec-websocket-accept") != accept_value(key):
        raise ValueError("wrong Sec-WebSocket-Accept")


def text_payload(size, seed):
    """`size` bytes of valid UTF-8 mixing 1-, 2- and 3-byte characters."""
    unit = ("wsframe é€ %d " % seed).encode()
    body = (unit * (size // len(unit) + 1))[:size]
    # Do not cut a character: pad the cut end with ASCII.
    while True:
        try:
            body.decode()
            return body
        except UnicodeDecodeError as e:
            body = body[: e.start] + b"." * (size - e.start)


def parse_header(data):
    """(fin, opcode, masked, payload length, header length) or None when incomplete."""
    if len(data) < 2:
        return None
    b0, b1 = data[0], data[1]
    n, pos = b1 & 0x7F, 2
    if n == 126:
        if len(data) < 4:
            return None
        n, pos = struct.unpack("!H", data[2:4])[0], 4
    elif n == 127:
        if len(data) < 10:
            return None
        n, pos = struct.unpack("!Q", data[2:10])[0], 10
    if b1 & 0x80:
        pos += 4
    if len(data) < pos:
        return None
    return bool(b0 & 0x80), b0 & 0x0F, bool(b1 & 0x80), n, pos


class BlockingClient:
    """A well-behaved client: answers pings, reassembles fragments, checks the close."""

    def __init__(self, port, timeout, host="127.0.0.1"):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = b""
        req, key = request("/probe")
        self.sock.sendall(req)
        while b"\r\n\r\n" not in self.buf:
            self._fill()
        head, self.buf = self.buf.split(b"\r\n\r\n", 1)
        check_response(head, key)

    def _fill(self):
        data = self.sock.recv(1 << 20)
        if not data:
            raise ConnectionError("server closed the connection")
        self.buf += data

    def recv_frame(self):
        while True:
            h = parse_header(self.buf)
            if h and len(self.buf) >= h[4] + h[3]:
                fin, opcode, masked, n, pos = h
                if masked:
                    raise ValueError("server frame is masked")
                payload, self.buf = self.buf[pos : pos + n], self.buf[pos + n :]
                return fin, opcode, payload
            self._fill()

    def recv_message(self):
        """The next data message; control frames are handled on the way."""
        parts, kind = [], None
        while True:
            fin, opcode, payload = self.recv_frame()
            if opcode == 9:
                self.sock.sendall(frame(10, payload))
                continue
            if opcode == 10:
                continue
            if opcode == 8:
                raise ConnectionError(f"server closed: {payload[:2].hex()} {payload[2:]!r}")
            if opcode != 0:
                kind = opcode
            parts.append(payload)
            if fin:
                return kind, b"".join(parts)

    def send(self, opcode, payload):
        self.sock.sendall(frame(opcode, payload))

    def close(self):
        self.sock.sendall(frame(8, struct.pack("!H", 1000)))
        try:
            while True:
                fin, opcode, payload = self.recv_frame()
                if opcode == 8:
                    break
        except (ConnectionError, OSError):
            pass
        self.sock.close()


async def open_raw(port, timeout, host="127.0.0.1"):
    return await asyncio.wait_for(asyncio.open_connection(host, port), timeout)


async def read_head(reader, timeout):
    """The response head, or raises (EOF, reset or timeout)."""
    return (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout))[:-4]


async def handshake(port, timeout, path="/", host="127.0.0.1"):
    """An open WebSocket's (reader, writer), or raises."""
    reader, writer = await open_raw(port, timeout, host)
    req, key = request(path)
    writer.write(req)
    head = await read_head(reader, timeout)
    check_response(head, key)
    return reader, writer


async def read_frame(reader, timeout):
    """(fin, opcode, payload) of the next server frame."""
    first = await asyncio.wait_for(reader.readexactly(2), timeout)
    n, extra = first[1] & 0x7F, b""
    if n == 126:
        extra = await asyncio.wait_for(reader.readexactly(2), timeout)
        n = struct.unpack("!H", extra)[0]
    elif n == 127:
        extra = await asyncio.wait_for(reader.readexactly(8), timeout)
        n = struct.unpack("!Q", extra)[0]
    if first[1] & 0x80:
        raise ValueError("server frame is masked")
    payload = await asyncio.wait_for(reader.readexactly(n), timeout) if n else b""
    return bool(first[0] & 0x80), first[0] & 0x0F, payload


def reset(writer):
    """Ends the connection with a TCP reset (SO_LINGER 0), not a FIN."""
    sock = writer.get_extra_info("socket")
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    writer.transport.abort()
