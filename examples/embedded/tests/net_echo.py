#!/usr/bin/env python3
"""Boots the network image in QEMU (mps2-an386, LAN9118, user networking) and talks to
its WebSocket echo server with the Python `websockets` client.

Usage: net_echo.py PATH/TO/net.elf

Checks: text and binary echoes (7- and 16-bit lengths), a fragmented message, ping,
a clean close, an oversized message (1009), a bad request (400) and a version
mismatch (426), and that the server takes the next client after each one. Exits
non-zero on the first failure. Every wait is bounded.
"""

import asyncio
import os
import socket
import subprocess
import sys
import time

import websockets
from websockets.exceptions import ConnectionClosed

BOOT_TIMEOUT = 30.0  # seconds until the guest must answer a handshake
STEP_TIMEOUT = 10.0  # seconds for any one exchange


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def boot(elf, port):
    cmd = [
        "qemu-system-arm", "-M", "mps2-an386", "-nographic",
        "-monitor", "none", "-serial", "none",
        "-semihosting-config", "enable=on,target=native",
        "-kernel", elf,
        "-nic", f"user,restrict=on,hostfwd=tcp:127.0.0.1:{port}-:80",
    ]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


async def connect(url):
    """Connects once the guest listens: QEMU accepts on the host port at once and
    drops the connection while the guest has no listener, so retry (bounded)."""
    deadline = time.monotonic() + BOOT_TIMEOUT
    while True:
        try:
            return await websockets.connect(url, open_timeout=STEP_TIMEOUT, max_size=None)
        except (OSError, asyncio.TimeoutError, websockets.exceptions.InvalidHandshake,
                ConnectionClosed, EOFError) as e:
            if time.monotonic() > deadline:
                raise RuntimeError(f"guest did not answer in {BOOT_TIMEOUT}s: {e!r}")
            await asyncio.sleep(0.3)


async def recv(ws):
    return await asyncio.wait_for(ws.recv(), STEP_TIMEOUT)


def http_status(port, request):
    """The status of the server's reply; retried (bounded) while the server is still
    busy with the previous client and the connection is dropped."""
    deadline = time.monotonic() + STEP_TIMEOUT
    while True:
        reply = b""
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT) as s:
                s.sendall(request)
                while b"\r\n" not in reply:
                    chunk = s.recv(1024)
                    if not chunk:
                        break
                    reply += chunk
        except OSError:
            pass
        line = reply.split(b"\r\n", 1)[0].decode()
        if line.startswith("HTTP/1.1 ") or time.monotonic() > deadline:
            return int(line.split()[1]) if line else None
        time.sleep(0.3)


def check(ok, what):
    if not ok:
        raise AssertionError(what)
    print(f"  ok: {what}")


async def scenario(port):
    url = f"ws://127.0.0.1:{port}/"
    ws = await connect(url)
    await ws.send("hello, firmware")
    check(await recv(ws) == "hello, firmware", "text echo")
    for n in (0, 125, 126, 1000, 3000, 4096):
        blob = bytes((i * 13) % 256 for i in range(n))
        await ws.send(blob)
        check(await recv(ws) == blob, f"binary echo of {n} bytes")
    await ws.send(["frag", "men", "ted ✓"])
    check(await recv(ws) == "fragmented ✓", "fragmented message echo")
    pong = await ws.ping(b"firmware?")
    await asyncio.wait_for(pong, STEP_TIMEOUT)
    check(True, "ping answered")
    await asyncio.wait_for(ws.close(1000, "done"), STEP_TIMEOUT)
    check(ws.close_code == 1000, "clean close (1000 echoed)")

    # The server listens again; an oversized message gets 1009.
    ws = await connect(url)
    await ws.send(bytes(5000))
    try:
        await recv(ws)
        check(False, "oversized message refused")
    except ConnectionClosed as e:
        check(e.rcvd is not None and e.rcvd.code == 1009, "oversized message refused with 1009")

    status = await asyncio.to_thread(
        http_status, port,
        b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Version: 13\r\n\r\n")
    check(status == 400, "request without a key gets 400")
    status = await asyncio.to_thread(
        http_status, port,
        b"GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 8\r\n\r\n")
    check(status == 426, "request for version 8 gets 426")

    for i in range(3):
        ws = await connect(url)
        await ws.send(f"client {i}")
        check(await recv(ws) == f"client {i}", f"client {i} of 3 in a row")
        await asyncio.wait_for(ws.close(), STEP_TIMEOUT)


def main():
    if len(sys.argv) != 2 or not os.path.exists(sys.argv[1]):
        sys.exit(__doc__)
    port = free_port()
    qemu = boot(sys.argv[1], port)
    try:
        asyncio.run(asyncio.wait_for(scenario(port), 120))
    except BaseException:
        qemu.kill()
        print(qemu.communicate(timeout=10)[0].decode(errors="replace"), file=sys.stderr)
        raise
    qemu.kill()
    qemu.wait(timeout=10)
    print("network echo test: passed")


if __name__ == "__main__":
    main()
