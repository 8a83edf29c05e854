#!/usr/bin/env python3
"""Python `websockets` over TLS against the wsframe-tokio TLS echo server.

    test_tls_tokio.py TLS_SERVER_BIN

Starts crates/wsframe-tokio/examples/tls_server.rs on a free port (it makes a self-signed
certificate for localhost and prints where), then connects with `websockets` trusting only
that certificate: text and binary echo up to 1 MiB, the subprotocol, and a clean close.
A client that does not trust the certificate must fail the TLS handshake. Every step has
a timeout. Exits non-zero on any failure.
"""
import asyncio
import socket
import ssl
import subprocess
import sys

from websockets.asyncio.client import connect

STEP_TIMEOUT = 30


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def main(binary):
    port = free_port()
    server = subprocess.Popen([binary, f"127.0.0.1:{port}"], stdout=subprocess.PIPE, text=True)
    try:
        cert = None
        for _ in range(4):
            line = await asyncio.wait_for(asyncio.to_thread(server.stdout.readline), STEP_TIMEOUT)
            if "certificate in " in line:
                cert = line.split("certificate in ", 1)[1].strip()
            if line.startswith("tls_server: wss://"):
                break
        assert cert, "the server printed no certificate path"
        trusting = ssl.create_default_context(cafile=cert)
        url = f"wss://localhost:{port}/"
        async with asyncio.timeout(STEP_TIMEOUT):
            async with connect(url, ssl=trusting, subprotocols=["chat"], max_size=None) as ws:
                assert ws.subprotocol == "chat", ws.subprotocol
                for size in [0, 125, 126, 65536, 1 << 20]:
                    text = "é" * (size // 2)
                    await ws.send(text)
                    assert await ws.recv() == text
                    data = bytes(i % 256 for i in range(size))
                    await ws.send(data)
                    assert await ws.recv() == data
                await ws.close()
                assert ws.close_code == 1000, ws.close_code
        print("ok   python websockets over TLS: echo up to 1 MiB, subprotocol, close 1000")
        try:
            async with asyncio.timeout(STEP_TIMEOUT):
                async with connect(url, ssl=ssl.create_default_context()):
                    pass
            print("FAIL an untrusted certificate was accepted")
            return 1
        except ssl.SSLCertVerificationError:
            print("ok   python websockets refuses the untrusted certificate")
        return 0
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1])))
