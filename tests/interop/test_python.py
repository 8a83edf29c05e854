#!/usr/bin/env python3
"""Interop with Python `websockets` (PyPI), both ways, on 127.0.0.1.

    test_python.py ECHO_SERVER_BIN INTEROP_CLIENT_BIN

1. A `websockets` client against our echo server (started here on a free port), with
   permessage-deflate declined (`--no-deflate`) and then accepted (`--deflate`).
2. Our client (crates/wsframe-std/examples/interop_client.rs) against a `websockets`
   echo server started here, without and with permessage-deflate (websockets compresses
   by default).

Every step has a timeout. Prints one line per check and `python: N passed, M failed`.
"""
import asyncio
import sys
import urllib.error
import urllib.request

import websockets
from websockets.asyncio.client import connect
from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed
from websockets.extensions.permessage_deflate import ClientPerMessageDeflateFactory

from peers import start_echo_server, stop_process

SIZES = [0, 125, 126, 65535, 65536, 1 << 20]
STEP_TIMEOUT = 30

results = []


def report(name, ok, detail=""):
    results.append(ok)
    print(("ok   " if ok else "FAIL ") + name + ("" if ok else ": " + detail), flush=True)


def utf8_text(n):
    """Multi-byte text (1- to 4-byte characters) of at most n bytes."""
    out, size = [], 0
    chars = "aé€😀"
    i = 0
    while True:
        c = chars[i % 4]
        if size + len(c.encode()) > n:
            return "".join(out)
        out.append(c)
        size += len(c.encode())
        i += 1


async def check(name, coro):
    try:
        await asyncio.wait_for(coro, STEP_TIMEOUT)
        report(name, True)
    except Exception as e:  # noqa: BLE001 - every failure is reported
        report(name, False, repr(e))


def client_kwargs(**extra):
    return dict(max_size=None, proxy=None, open_timeout=10, close_timeout=10, **extra)


async def python_client_against_our_server(url, http_base):
    async def handshake():
        async with connect(url, subprotocols=["x-unknown", "chat", "echo"], **client_kwargs()) as ws:
            assert ws.subprotocol == "chat", ws.subprotocol
            # websockets offers permessage-deflate by default; the server declines.
            ext = ws.response.headers.get("Sec-WebSocket-Extensions")
            assert ext is None, ext

    async def echo_sizes():
        async with connect(url, **client_kwargs()) as ws:
            for n in SIZES:
                text = utf8_text(n)
                await ws.send(text)
                assert await ws.recv() == text, "text %d" % n
                data = bytes((i * 13) % 256 for i in range(n))
                await ws.send(data)
                got = await ws.recv()
                assert isinstance(got, bytes) and got == data, "binary %d" % n

    async def fragmented():
        async with connect(url, **client_kwargs()) as ws:
            await ws.send(iter(["frag", "men", "ted é"]))
            assert await ws.recv() == "fragmented é"

    async def ping_pong():
        async with connect(url, **client_kwargs()) as ws:
            waiter = await ws.ping(b"are you there")
            latency = await asyncio.wait_for(waiter, 5)
            assert latency >= 0

    async def client_close():
        async with connect(url, **client_kwargs()) as ws:
            await ws.close(4001, "bye")
            assert ws.close_code == 4001, ws.close_code

    async def server_close():
        async with connect(url, subprotocols=["wsframe-control"], **client_kwargs()) as ws:
            await ws.send("close 4003 server bye")
            try:
                await ws.recv()
                raise AssertionError("expected the server to close")
            except ConnectionClosed as e:
                assert e.rcvd is not None and e.rcvd.code == 4003, e
                assert e.rcvd.reason == "server bye", e.rcvd.reason

    async def many_connections():
        async def one(i):
            async with connect(url, **client_kwargs()) as ws:
                for j in range(20):
                    msg = "conn %d msg %d" % (i, j)
                    await ws.send(msg)
                    assert await ws.recv() == msg
        await asyncio.gather(*(one(i) for i in range(64)))

    async def plain_http():
        def get(path):
            try:
                with urllib.request.urlopen(http_base + path, timeout=10) as r:
                    return r.status
            except urllib.error.HTTPError as e:
                return e.code
        status = await asyncio.to_thread(get, "/no-such-file.txt")
        assert status == 404, status
        status = await asyncio.to_thread(get, "/../../../../etc/passwd")
        assert status == 404, status

    await check("py client: subprotocol chosen, permessage-deflate declined", handshake())
    await check("py client: text and binary echo 0..1 MiB, UTF-8", echo_sizes())
    await check("py client: fragmented text", fragmented())
    await check("py client: ping answered", ping_pong())
    await check("py client: client close 4001 echoed", client_close())
    await check("py client: server close 4003 'server bye'", server_close())
    await check("py client: 64 connections at once", many_connections())
    await check("py client: plain HTTP 404, no traversal", plain_http())


def json_text(count):
    """A JSON-like text of `count` records with multi-byte characters (compressible)."""
    return "[" + ",".join(
        '{"id":%d,"name":"user-%d","city":"Zürich €","score":%d,"tags":["a","😀"]}'
        % (i, i * 7919 % 1000, i % 97) for i in range(count)) + "]"


async def python_client_against_our_deflate_server(url):
    async def default_offer():
        # websockets offers "permessage-deflate; client_max_window_bits" by default.
        async with connect(url, **client_kwargs()) as ws:
            ext = ws.response.headers.get("Sec-WebSocket-Extensions")
            assert ext == "permessage-deflate", ext
            for n in SIZES:
                text = utf8_text(n)
                await ws.send(text)
                assert await ws.recv() == text, "text %d" % n
                data = bytes((i * 13) % 256 for i in range(n))
                await ws.send(data)
                got = await ws.recv()
                assert isinstance(got, bytes) and got == data, "binary %d" % n
            text = json_text(15000)
            assert len(text.encode()) > 1 << 20
            await ws.send(text)
            assert await ws.recv() == text

    async def parameters():
        factory = ClientPerMessageDeflateFactory(
            server_no_context_takeover=True, client_no_context_takeover=True,
            server_max_window_bits=10, client_max_window_bits=11)
        async with connect(url, compression=None, extensions=[factory], **client_kwargs()) as ws:
            ext = ws.response.headers.get("Sec-WebSocket-Extensions")
            want = ("permessage-deflate; server_no_context_takeover; client_no_context_takeover; "
                    "server_max_window_bits=10; client_max_window_bits=11")
            assert ext == want, ext
            for i in range(100):
                msg = '{"seq":%d,"text":"%s"}' % (i, "héllo wörld " * (i % 20))
                await ws.send(msg)
                assert await ws.recv() == msg

    async def fragmented():
        # A compressed message in several frames: RSV1 on the first one only.
        async with connect(url, **client_kwargs()) as ws:
            parts = [json_text(200), "€ between ", json_text(300)]
            await ws.send(iter(parts))
            assert await ws.recv() == "".join(parts)

    await check("py client: permessage-deflate accepted, echo 0..1 MiB and 1 MiB JSON",
                default_offer())
    await check("py client: no_context_takeover both ways and window bits honoured",
                parameters())
    await check("py client: fragmented compressed text", fragmented())


async def shutdown_while_connected(url, proc):
    """SIGTERM with a connection open: the client gets close 1001; returns the exit status."""
    status = None

    async def going_away():
        nonlocal status
        async with connect(url, **client_kwargs()) as ws:
            await ws.send("still here")
            assert await ws.recv() == "still here"
            status = await asyncio.to_thread(stop_process, proc)
            try:
                await ws.recv()
                raise AssertionError("expected the server's close")
            except ConnectionClosed as e:
                assert e.rcvd is not None and e.rcvd.code == 1001, e

    await check("py client: server stopping sends 1001", going_away())
    return status


async def echo_handler(ws):
    try:
        async for message in ws:
            if message == "please ping":
                waiter = await ws.ping(b"srv")
                await asyncio.wait_for(waiter, 5)
                await ws.send("pong ok")
            elif message == "please close":
                await ws.close(4002, "server bye")
            else:
                await ws.send(message)
    except ConnectionClosed:
        pass  # websockets reports a close with a code other than 1000/1001 this way


async def our_client_against_python_server(client_bin, deflate):
    """websockets' server compresses by default; with `deflate` our client offers it."""
    agreed = []

    def process_response(connection, request, response):
        agreed.append(response.headers.get("Sec-WebSocket-Extensions"))

    async with serve(echo_handler, "127.0.0.1", 0, subprotocols=["chat"], max_size=None,
                     ping_interval=None, process_response=process_response) as server:
        port = server.sockets[0].getsockname()[1]
        args = ["--deflate"] if deflate else []
        proc = await asyncio.create_subprocess_exec(
            client_bin, *args, "ws://127.0.0.1:%d/" % port,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), 60)
        except asyncio.TimeoutError:
            proc.kill()
            await proc.wait()
            report("our client vs websockets server", False, "timed out")
            return
        text = out.decode(errors="replace")
        for line in text.splitlines():
            print("    " + line)
        name = "our client%s vs websockets %s server" % (
            " with permessage-deflate" if deflate else "", websockets.__version__)
        report(name, proc.returncode == 0, "exit status %s" % proc.returncode)
        if deflate:
            ok = bool(agreed) and all(a and a.startswith("permessage-deflate") for a in agreed)
            report("websockets server accepted our permessage-deflate offer", ok, repr(agreed))
        else:
            report("no offer, no extension", agreed and not any(agreed), repr(agreed))


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    echo_bin, client_bin = sys.argv[1], sys.argv[2]
    print("python websockets", websockets.__version__)
    proc, url = start_echo_server(echo_bin)
    status = None
    try:
        http_base = url.replace("ws://", "http://").rstrip("/")
        asyncio.run(python_client_against_our_server(url, http_base))
        status = asyncio.run(shutdown_while_connected(url, proc))
    finally:
        if status is None:
            status = stop_process(proc)
    report("echo-server exits 0 on SIGTERM", status == 0, "exit status %s" % status)
    proc, url = start_echo_server(echo_bin, deflate=True)
    try:
        asyncio.run(python_client_against_our_deflate_server(url))
    finally:
        status = stop_process(proc)
    report("echo-server --deflate exits 0 on SIGTERM", status == 0, "exit status %s" % status)
    asyncio.run(our_client_against_python_server(client_bin, deflate=False))
    asyncio.run(our_client_against_python_server(client_bin, deflate=True))
    passed = sum(results)
    failed = len(results) - passed
    print("python: %d passed, %d failed" % (passed, failed))
    sys.exit(0 if failed == 0 and passed > 0 else 1)


if __name__ == "__main__":
    main()
