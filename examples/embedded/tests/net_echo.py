#!/usr/bin/env python3
"""Boots a network image (smoltcp or embassy) in QEMU (mps2-an386, LAN9118, user
networking) and talks to its WebSocket echo server with the Python `websockets` client.

Usage: net_echo.py PATH/TO/IMAGE.elf   (the `net` or the `embassy-net` image)

Checks: text and binary echoes (7-, 16- and 64-bit lengths, up to 300 KB: far more than
the server's buffers, echoed piece by piece), a fragmented message, ping, a clean close,
a bad request (400) and a version mismatch (426), that the server takes the next client
after each one, and several clients at once: four connected together, a fifth
arriving while one of them is closing (served, not reset), and all exchanging large
messages concurrently. Exits non-zero on the first failure. Every wait is bounded.
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

    # The server listens again; a message far larger than its buffers is echoed.
    ws = await connect(url)
    blob = bytes((i * 7) % 256 for i in range(300_000))
    await ws.send(blob)
    check(await recv(ws) == blob, "binary echo of 300,000 bytes (64-bit length)")
    await asyncio.wait_for(ws.close(), STEP_TIMEOUT)

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


async def exchange(ws, name, size):
    """One client's share of the concurrent part: a text and a large binary echo."""
    await ws.send(f"hello from {name}")
    check(await recv(ws) == f"hello from {name}", f"{name}: text echo while others are open")
    blob = bytes((i * 31 + len(name)) % 256 for i in range(size))
    await ws.send(blob)
    check(await recv(ws) == blob, f"{name}: {size}-byte echo at the same time as the others")


async def several_at_once(port):
    """Four clients at once (the images serve four), then a fifth arriving while one
    of them is closing."""
    url = f"ws://127.0.0.1:{port}/"
    first = await connect(url)
    # No retry from here on: each of these must be served at once.
    b, c, d = await asyncio.gather(*(
        websockets.connect(url, open_timeout=STEP_TIMEOUT, max_size=None) for _ in range(3)))
    await asyncio.gather(exchange(first, "A", 20_000), exchange(b, "B", 30_000),
                         exchange(c, "C", 40_000), exchange(d, "D", 50_000))
    await asyncio.wait_for(d.close(), STEP_TIMEOUT)
    check(d.close_code == 1000, "D closed cleanly")
    # D's socket listens again once the guest has seen the last of the TCP close.
    await asyncio.sleep(0.5)
    # A closes; E connects while A's socket is still closing, and is served.
    closing = asyncio.ensure_future(first.close())
    e = await websockets.connect(url, open_timeout=STEP_TIMEOUT, max_size=None)
    await asyncio.wait_for(closing, STEP_TIMEOUT)
    check(first.close_code == 1000, "A closed cleanly while E connected")
    await asyncio.gather(exchange(b, "B", 100_000), exchange(c, "C", 100_000),
                         exchange(e, "E", 100_000))
    for ws in (b, c, e):
        await asyncio.wait_for(ws.close(), STEP_TIMEOUT)
        check(ws.close_code == 1000, "clean close after the concurrent exchange")


def main():
    if len(sys.argv) != 2 or not os.path.exists(sys.argv[1]):
        sys.exit(__doc__)
    port = free_port()
    qemu = boot(sys.argv[1], port)
    try:
        asyncio.run(asyncio.wait_for(scenario(port), 120))
        asyncio.run(asyncio.wait_for(several_at_once(port), 120))
    except BaseException:
        qemu.kill()
        print(qemu.communicate(timeout=10)[0].decode(errors="replace"), file=sys.stderr)
        raise
    qemu.kill()
    qemu.wait(timeout=10)
    print("network echo test: passed")


if __name__ == "__main__":
    main()
